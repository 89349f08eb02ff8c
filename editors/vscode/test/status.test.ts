import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusState, StatusView, renderStatus, shorten } from '../src/status';

describe('renderStatus', () => {
  const cases: [string, StatusState, Partial<StatusView> & { tooltipHas?: string }][] = [
    ['idle', { kind: 'idle' }, { text: '$(zap) LessonL', command: 'lessonl.optimizeFunction', warning: false }],
    ['starting', { kind: 'starting' }, { text: '$(loading~spin) LessonL', command: 'lessonl.showLog' }],
    [
      'working mirrors the message and cancels on click',
      { kind: 'working', message: 'round 2/4 · qwen2.5-coder:7b · 1.84×', runs: 1 },
      { text: '$(sync~spin) LessonL: round 2/4 · qwen2.5-coder:7b · 1.84×', command: 'lessonl.cancelRun', tooltipHas: 'Click to cancel' },
    ],
    ['working without a message', { kind: 'working', message: '', runs: 1 }, { text: '$(sync~spin) LessonL: optimizing' }],
    ['several runs', { kind: 'working', message: 'x', runs: 3 }, { text: '$(sync~spin) LessonL: x (+2)', tooltipHas: '3 runs in progress' }],
    [
      'long messages are shortened',
      { kind: 'working', message: 'round 3/4 · a-very-long-model-name:70b-instruct-q4 · 1.84× [1.79, 1.90]', runs: 1 },
      { text: '$(sync~spin) LessonL: round 3/4 · a-very-long-model-name:70b-instruct…' },
    ],
    ['cancelling', { kind: 'cancelling' }, { text: '$(sync~spin) LessonL: cancelling' }],
    [
      'faster result',
      { kind: 'result', result: { verdict: 'faster', speedup: 2.314, speedup_low: 2.2, speedup_high: 2.4, func: 'Sum', uri: 'u', agent: 'qwen', round: 2 } },
      { text: '⚡ 2.31×', command: 'lessonl.showDiff', tooltipHas: 'Sum is 2.31× faster ([2.20, 2.40] · qwen, round 2)' },
    ],
    ['no gain', { kind: 'result', result: null }, { text: '$(zap) LessonL: no gain', command: 'lessonl.optimizeFunction' }],
    ['other verdict', { kind: 'result', result: { verdict: 'build_failed', speedup: 0, func: 'F', uri: 'u' } }, { text: '$(zap) LessonL: build failed' }],
    ['error', { kind: 'error', message: 'boom' }, { text: '$(error) LessonL', command: 'lessonl.showLog', warning: true, tooltipHas: 'boom' }],
    ['missing binary', { kind: 'missing' }, { text: '$(warning) LessonL: server not found', command: 'lessonl.restartServer', warning: true }],
  ];
  for (const [name, state, want] of cases) {
    it(name, () => {
      const got = renderStatus(state);
      const { tooltipHas, ...rest } = want;
      for (const [k, v] of Object.entries(rest)) assert.equal(got[k as keyof StatusView], v, k);
      if (tooltipHas) assert.ok(got.tooltip.includes(tooltipHas), got.tooltip);
    });
  }
  it('shorten collapses whitespace', () => assert.equal(shorten(' a \n b ', 10), 'a b'));
});
