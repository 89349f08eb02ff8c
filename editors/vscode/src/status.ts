// The one status bar item: what it says in each state and what clicking does.
import { ClientCommand } from './ids';
import { OptimizeResult, formatInterval, formatSpeedup, provenanceText } from './result';

export type StatusState =
  | { kind: 'starting' }
  | { kind: 'idle' }
  | { kind: 'working'; message: string; runs: number }
  | { kind: 'cancelling' }
  | { kind: 'result'; result: OptimizeResult | null }
  | { kind: 'error'; message: string }
  | { kind: 'missing' };

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
  // Draws attention (warning background) when the user must act.
  warning: boolean;
}

const MAX_MESSAGE = 48;

export function renderStatus(s: StatusState): StatusView {
  switch (s.kind) {
    case 'starting':
      return { text: '$(loading~spin) LessonL', tooltip: 'LessonL: starting the language server', command: ClientCommand.showLog, warning: false };
    case 'idle':
      return { text: '$(zap) LessonL', tooltip: 'LessonL: ready. Click to optimize the function under the cursor.', command: ClientCommand.optimizeFunction, warning: false };
    case 'working': {
      const more = s.runs > 1 ? ` (+${s.runs - 1})` : '';
      const msg = shorten(s.message || 'optimizing', MAX_MESSAGE);
      return {
        text: `$(sync~spin) LessonL: ${msg}${more}`,
        tooltip: `LessonL: ${s.message || 'optimizing'}${more ? `\n${s.runs} runs in progress` : ''}\nClick to cancel.`,
        command: ClientCommand.cancelRun,
        warning: false,
      };
    }
    case 'cancelling':
      return { text: '$(sync~spin) LessonL: cancelling', tooltip: 'LessonL: waiting for the server to stop the run', command: ClientCommand.showLog, warning: false };
    case 'result':
      return renderResult(s.result);
    case 'error':
      return { text: '$(error) LessonL', tooltip: `LessonL: ${s.message}\nClick to show the log.`, command: ClientCommand.showLog, warning: true };
    case 'missing':
      return {
        text: '$(warning) LessonL: server not found',
        tooltip: 'LessonL: the lessonl binary was not found. Click to restart after installing it or setting lessonl.serverPath.',
        command: ClientCommand.restartServer,
        warning: true,
      };
  }
}

function renderResult(r: OptimizeResult | null): StatusView {
  if (r === null) {
    return { text: '$(zap) LessonL: no gain', tooltip: 'LessonL: the last run found no faster variant.', command: ClientCommand.optimizeFunction, warning: false };
  }
  if (r.verdict === 'faster') {
    const details = [formatInterval(r), provenanceText(r)].filter((x) => x !== '').join(' · ');
    return {
      text: `⚡ ${formatSpeedup(r.speedup)}`,
      tooltip: `LessonL: ${r.func} is ${formatSpeedup(r.speedup)} faster${details ? ` (${details})` : ''}.\nClick to show the diff.`,
      command: ClientCommand.showDiff,
      warning: false,
    };
  }
  return {
    text: `$(zap) LessonL: ${r.verdict.replace(/_/g, ' ')}`,
    tooltip: `LessonL: the best variant of ${r.func} is ${r.verdict} (${formatSpeedup(r.speedup)}). Click to optimize again.`,
    command: ClientCommand.optimizeFunction,
    warning: false,
  };
}

export function shorten(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  return one.slice(0, max - 1) + '…';
}
