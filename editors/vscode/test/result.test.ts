import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decision, OptimizeResult, decide, formatInterval, formatSpeedup, parseOptimizeResult, provenanceText } from '../src/result';

const faster: OptimizeResult = {
  verdict: 'faster',
  speedup: 2.3149,
  speedup_low: 2.2,
  speedup_high: 2.431,
  func: 'Sum',
  uri: 'file:///w/sum.go',
  agent: 'qwen2.5-coder:7b',
  round: 2,
  original: 'func Sum() {}',
  variant: 'func Sum() { /* fast */ }',
  report_uri: 'file:///w/.lessonl/report.md',
};

describe('parseOptimizeResult', () => {
  it('null and undefined mean "nothing better"', () => {
    assert.deepEqual(parseOptimizeResult(null), { ok: true, result: null });
    assert.deepEqual(parseOptimizeResult(undefined), { ok: true, result: null });
  });
  it('a full result round-trips', () => {
    assert.deepEqual(parseOptimizeResult(JSON.parse(JSON.stringify(faster))), { ok: true, result: faster });
  });
  it('optional fields may be null or absent', () => {
    const got = parseOptimizeResult({ verdict: 'same', speedup: 1, func: 'F', uri: 'u', agent: null, report_uri: null });
    assert.deepEqual(got, { ok: true, result: { verdict: 'same', speedup: 1, func: 'F', uri: 'u' } });
  });
  const bad: [string, unknown, RegExp][] = [
    ['a string', 'faster', /answered lessonl\.optimize with a string instead of a result object/],
    ['an array', [faster], /with an array instead/],
    ['missing fields', { verdict: 'faster' }, /malformed: missing speedup, func, uri/],
    ['wrong types', { verdict: 1, speedup: '2', func: 'F', uri: 'u', round: 'two' }, /wrong type for verdict \(a number, want string\), speedup \(a string, want number\), round/],
    ['non-finite speedup', { verdict: 'faster', speedup: Infinity, func: 'F', uri: 'u' }, /wrong type for speedup/],
  ];
  for (const [name, raw, re] of bad) {
    it(`rejects ${name}`, () => {
      const got = parseOptimizeResult(raw);
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, re);
    });
  }
});

describe('formatting', () => {
  for (const [x, want] of [
    [2.3149, '2.31×'],
    [1, '1.00×'],
    [0.5, '0.50×'],
    [Number.NaN, '?×'],
  ] as const) {
    it(`${x} -> ${want}`, () => assert.equal(formatSpeedup(x), want));
  }
  it('interval', () => {
    assert.equal(formatInterval({ speedup_low: 1.794, speedup_high: 1.9 }), '[1.79, 1.90]');
    assert.equal(formatInterval({ speedup_low: 1.7 }), '');
  });
});

describe('decide', () => {
  const cases: [string, OptimizeResult | null, Decision][] = [
    [
      'faster with sources: offer',
      faster,
      { kind: 'offer', message: 'LessonL: Sum is 2.31× faster ([2.20, 2.43] · qwen2.5-coder:7b, round 2). Apply the variant?' },
    ],
    [
      'faster without provenance',
      { verdict: 'faster', speedup: 1.5, func: 'F', uri: 'u', original: 'a', variant: 'b' },
      { kind: 'offer', message: 'LessonL: F is 1.50× faster. Apply the variant?' },
    ],
    [
      'faster but no sources: never applied blind',
      { verdict: 'faster', speedup: 1.5, func: 'F', uri: 'u', variant: 'b' },
      { kind: 'warn', message: 'LessonL: F has a faster variant (1.50×) but the server sent no source to compare; update lessonl and run again.', diffable: false },
    ],
    ['null: nothing better', null, { kind: 'inform', message: 'LessonL: no variant was verified faster than the original; nothing to apply.', diffable: false }],
    [
      'same',
      { ...faster, verdict: 'same', speedup: 1.01, speedup_low: 0.98, speedup_high: 1.04 },
      { kind: 'inform', message: 'LessonL: the best variant of Sum is no faster than the original (1.01× [0.98, 1.04]); nothing to apply.', diffable: true },
    ],
    [
      'slower',
      { verdict: 'slower', speedup: 0.7, func: 'F', uri: 'u' },
      { kind: 'inform', message: 'LessonL: the best variant of F is slower than the original (0.70×); nothing to apply.', diffable: false },
    ],
    ['incorrect', { ...faster, verdict: 'incorrect', speedup: 0 }, { kind: 'warn', message: 'LessonL: the best variant of Sum was incorrect (its output differs from the original); nothing to apply.', diffable: true }],
    ['build_failed', { ...faster, verdict: 'build_failed', speedup: 0 }, { kind: 'warn', message: 'LessonL: the best variant of Sum did not build; nothing to apply.', diffable: true }],
    ['timeout', { ...faster, verdict: 'timeout', speedup: 0 }, { kind: 'warn', message: 'LessonL: the best variant of Sum timed out; nothing to apply.', diffable: true }],
    ['crashed', { ...faster, verdict: 'crashed', speedup: 0 }, { kind: 'warn', message: 'LessonL: the best variant of Sum crashed; nothing to apply.', diffable: true }],
    ['unverified', { ...faster, verdict: 'unverified', speedup: 2 }, { kind: 'warn', message: 'LessonL: the best variant of Sum could not be verified; nothing to apply.', diffable: true }],
    ['unknown verdict is never applied', { ...faster, verdict: 'wow', speedup: 9 }, { kind: 'warn', message: 'LessonL: the best variant of Sum has verdict "wow"; nothing to apply.', diffable: true }],
  ];
  for (const [name, r, want] of cases) {
    it(name, () => assert.deepEqual(decide(r), want));
  }
});

describe('provenanceText', () => {
  it('names the agent by its model, without the host', () => {
    assert.equal(provenanceText({ agent: 'alpha:1b@http://127.0.0.1:44653', round: 1 }), 'alpha:1b, round 1');
    assert.equal(provenanceText({ agent: 'qwen2.5-coder:7b' }), 'qwen2.5-coder:7b');
  });
});
