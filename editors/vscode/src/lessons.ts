// Rendering the answer of the server's `lessonl.showLessons` as Markdown. The
// server may answer with Markdown itself, with lessons (as stored in the bank,
// or as selected with a reason), or with null when it opened a document itself.
import { formatSpeedup } from './result';

interface LessonLike {
  text?: unknown;
  outcome?: unknown;
  speedup?: unknown;
  speedup_low?: unknown;
  speedup_high?: unknown;
  factor?: unknown;
  agent?: unknown;
  model?: unknown;
  round?: unknown;
  func?: unknown;
}

// lessonsMarkdown returns the document to show, or undefined when there is
// nothing to show (the server displayed the lessons itself).
export function lessonsMarkdown(raw: unknown, func: string): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'string') return raw;
  let list: unknown[] | undefined;
  if (Array.isArray(raw)) list = raw;
  else if (typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if (typeof o.markdown === 'string') return o.markdown;
    if (Array.isArray(o.lessons)) list = o.lessons;
  }
  if (list === undefined) return `# LessonL: lessons for ${func}\n\n\`\`\`json\n${JSON.stringify(raw, null, 2)}\n\`\`\`\n`;
  const out = [`# LessonL: lessons for ${func}`, ''];
  if (list.length === 0) {
    out.push('No lessons yet. Run **LessonL: Optimize Function** on it: each round, every agent writes one.');
    return out.join('\n') + '\n';
  }
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const sel = item as { lesson?: unknown; reason?: unknown };
    const lesson = (typeof sel.lesson === 'object' && sel.lesson !== null ? sel.lesson : item) as LessonLike;
    out.push(`- ${headline(lesson, typeof sel.reason === 'string' ? sel.reason : undefined)}`);
    if (typeof lesson.text === 'string' && lesson.text.trim() !== '') {
      out.push(`  ${lesson.text.trim().replace(/\n+/g, '\n  ')}`);
    }
  }
  return out.join('\n') + '\n';
}

function headline(l: LessonLike, reason: string | undefined): string {
  const parts: string[] = [];
  const outcome = typeof l.outcome === 'string' ? l.outcome.replace(/_/g, ' ') : 'lesson';
  let head = `**${outcome}`;
  if (typeof l.speedup === 'number' && l.speedup > 0) {
    head += ` ${formatSpeedup(l.speedup)}`;
    if (typeof l.speedup_low === 'number' && typeof l.speedup_high === 'number') {
      head += ` [${l.speedup_low.toFixed(2)}, ${l.speedup_high.toFixed(2)}]`;
    }
  }
  parts.push(head + '**');
  if (typeof l.factor === 'number') parts.push(`factor ${l.factor.toFixed(2)}`);
  const who = typeof l.agent === 'string' && l.agent !== '' ? l.agent : typeof l.model === 'string' ? l.model : '';
  if (who !== '') parts.push(typeof l.round === 'number' ? `${who}, round ${l.round}` : who);
  if (reason) parts.push(`selected by ${reason}`);
  return parts.join(' · ');
}
