// The answer of the server's `lessonl.optimize` command, validated, and what the
// extension does with it. The JSON field names are a contract with the server.

export interface OptimizeResult {
  verdict: string;
  speedup: number;
  speedup_low?: number;
  speedup_high?: number;
  func: string;
  uri: string;
  agent?: string;
  round?: number;
  original?: string;
  variant?: string;
  report_uri?: string;
}

export type Parsed = { ok: true; result: OptimizeResult | null } | { ok: false; error: string };

// parseOptimizeResult checks the server's answer. A null answer is valid: the run
// found nothing better than the original.
export function parseOptimizeResult(raw: unknown): Parsed {
  if (raw === null || raw === undefined) return { ok: true, result: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: `the server answered lessonl.optimize with ${describeType(raw)} instead of a result object` };
  }
  const r = raw as Record<string, unknown>;
  const missing: string[] = [];
  const wrong: string[] = [];
  const want = (key: string, type: 'string' | 'number', required: boolean) => {
    const v = r[key];
    if (v === undefined || v === null) {
      if (required) missing.push(key);
    } else if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) {
      wrong.push(`${key} (${describeType(v)}, want ${type})`);
    }
  };
  want('verdict', 'string', true);
  want('speedup', 'number', true);
  want('func', 'string', true);
  want('uri', 'string', true);
  want('speedup_low', 'number', false);
  want('speedup_high', 'number', false);
  want('agent', 'string', false);
  want('round', 'number', false);
  want('original', 'string', false);
  want('variant', 'string', false);
  want('report_uri', 'string', false);
  if (missing.length || wrong.length) {
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.join(', ')}`);
    if (wrong.length) parts.push(`wrong type for ${wrong.join(', ')}`);
    return { ok: false, error: `the server's lessonl.optimize result is malformed: ${parts.join('; ')}` };
  }
  const result: OptimizeResult = {
    verdict: r.verdict as string,
    speedup: r.speedup as number,
    func: r.func as string,
    uri: r.uri as string,
  };
  for (const k of ['speedup_low', 'speedup_high', 'agent', 'round', 'original', 'variant', 'report_uri'] as const) {
    if (r[k] !== undefined && r[k] !== null) (result as unknown as Record<string, unknown>)[k] = r[k];
  }
  return { ok: true, result };
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

// formatSpeedup prints a ratio the way the server and the CLI do: 2.31×.
export function formatSpeedup(x: number): string {
  if (!Number.isFinite(x)) return '?×';
  return `${x.toFixed(2)}×`;
}

export function formatInterval(r: Pick<OptimizeResult, 'speedup_low' | 'speedup_high'>): string {
  if (r.speedup_low === undefined || r.speedup_high === undefined) return '';
  return `[${r.speedup_low.toFixed(2)}, ${r.speedup_high.toFixed(2)}]`;
}

// What each verdict means to the user, as a predicate of "the best variant of F";
// unknown verdicts are shown verbatim and never offered for applying.
const VERDICT_TEXT: Record<string, string> = {
  same: 'is no faster than the original',
  slower: 'is slower than the original',
  incorrect: 'was incorrect (its output differs from the original)',
  build_failed: 'did not build',
  timeout: 'timed out',
  crashed: 'crashed',
  unverified: 'could not be verified',
};

export type Decision =
  // A verified faster variant: open the diff and ask Apply / Discard.
  | { kind: 'offer'; message: string }
  // The best variant is correct but not faster: say so; the diff stays available.
  | { kind: 'inform'; message: string; diffable: boolean }
  // Nothing usable: say why, never offer to apply.
  | { kind: 'warn'; message: string; diffable: boolean };

// decide turns a result into what the extension shows. Only a "faster" verdict
// with both sources can be applied: the diff must show exactly what changes.
export function decide(result: OptimizeResult | null): Decision {
  if (result === null) {
    return { kind: 'inform', message: 'LessonL: no variant was verified faster than the original; nothing to apply.', diffable: false };
  }
  const name = result.func;
  const diffable = typeof result.original === 'string' && typeof result.variant === 'string';
  const interval = formatInterval(result);
  if (result.verdict === 'faster') {
    if (!diffable) {
      return {
        kind: 'warn',
        message: `LessonL: ${name} has a faster variant (${formatSpeedup(result.speedup)}) but the server sent no source to compare; update lessonl and run again.`,
        diffable: false,
      };
    }
    const tail = [interval, provenanceText(result)].filter((s) => s !== '').join(' · ');
    return {
      kind: 'offer',
      message: `LessonL: ${name} is ${formatSpeedup(result.speedup)} faster${tail ? ` (${tail})` : ''}. Apply the variant?`,
    };
  }
  const predicate = VERDICT_TEXT[result.verdict] ?? `has verdict ${JSON.stringify(result.verdict)}`;
  if (result.verdict === 'same' || result.verdict === 'slower') {
    const measured = `${formatSpeedup(result.speedup)}${interval ? ` ${interval}` : ''}`;
    return { kind: 'inform', message: `LessonL: the best variant of ${name} ${predicate} (${measured}); nothing to apply.`, diffable };
  }
  return { kind: 'warn', message: `LessonL: the best variant of ${name} ${predicate}; nothing to apply.`, diffable };
}

// The agent by its model alone: "qwen2.5-coder:7b@http://gpu-box:11434" is
// "qwen2.5-coder:7b" here (the hover and the report name the host).
export function provenanceText(r: Pick<OptimizeResult, 'agent' | 'round'>): string {
  const parts = [];
  if (r.agent) parts.push(r.agent.replace(/@\S*$/, ''));
  if (r.round !== undefined) parts.push(`round ${r.round}`);
  return parts.join(', ');
}
