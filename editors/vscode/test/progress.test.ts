import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressMirror, ProgressStep } from '../src/progress';

describe('ProgressMirror', () => {
  const cases: { name: string; values: unknown[]; want: ProgressStep[]; message: string }[] = [
    {
      name: 'a whole run: begin, reports with percentages, end',
      values: [
        { kind: 'begin', title: 'Optimizing Sum', cancellable: true, percentage: 0 },
        { kind: 'report', message: 'round 1/4 · qwen2.5-coder:7b · generating', percentage: 10 },
        { kind: 'report', message: 'round 2/4 · qwen2.5-coder:7b · 1.84× [1.79, 1.90]', percentage: 35 },
        { kind: 'report', percentage: 60 },
        { kind: 'end', message: 'completed' },
      ],
      want: [
        { message: 'Optimizing Sum' },
        { message: 'round 1/4 · qwen2.5-coder:7b · generating', increment: 10 },
        { message: 'round 2/4 · qwen2.5-coder:7b · 1.84× [1.79, 1.90]', increment: 25 },
        { increment: 25 },
        { message: 'completed', increment: 40 },
      ],
      message: 'completed',
    },
    {
      name: 'begin with a message joins title and message',
      values: [{ kind: 'begin', title: 'Optimizing Sum', message: 'warming up', percentage: 5 }],
      want: [{ message: 'Optimizing Sum: warming up', increment: 5 }],
      message: 'Optimizing Sum: warming up',
    },
    {
      name: 'percentages never go back and are clamped',
      values: [
        { kind: 'begin', title: 't', percentage: 50 },
        { kind: 'report', percentage: 40 },
        { kind: 'report', percentage: 250 },
        { kind: 'report', percentage: Number.NaN, message: 'm' },
      ],
      want: [{ message: 't', increment: 50 }, { increment: 50 }, { message: 'm' }],
      message: 'm',
    },
    {
      name: 'reports without a message keep the last one',
      values: [
        { kind: 'begin', title: 't' },
        { kind: 'report', message: 'a' },
        { kind: 'report', message: '' },
      ],
      want: [{ message: 't' }, { message: 'a' }],
      message: 'a',
    },
    {
      name: 'garbage from the wire is ignored',
      values: [null, 3, 'begin', { kind: 'start' }, {}, { kind: 'report', message: 'ok' }],
      want: [{ message: 'ok' }],
      message: 'ok',
    },
    {
      name: 'nothing after end',
      values: [{ kind: 'end' }, { kind: 'report', message: 'late', percentage: 10 }],
      want: [{ increment: 100 }],
      message: '',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const steps: ProgressStep[] = [];
      const m = new ProgressMirror((s) => steps.push(s));
      for (const v of c.values) m.handle(v);
      assert.deepEqual(steps, c.want);
      assert.equal(m.message, c.message);
      const total = steps.reduce((sum, s) => sum + (s.increment ?? 0), 0);
      assert.ok(total <= 100, `increments sum to ${total}`);
    });
  }
});
