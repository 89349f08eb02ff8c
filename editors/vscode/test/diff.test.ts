import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiffStore, baseName, parseDiffPath } from '../src/diff';
import { OptimizeResult } from '../src/result';

const r = (func: string, uri = 'file:///w/sum.go', speedup = 2): OptimizeResult => ({
  verdict: 'faster',
  speedup,
  func,
  uri,
  original: `func ${func}() {}`,
  variant: `func ${func}() { fast() }`,
});

describe('DiffStore', () => {
  it('serves both sides of an entry by path and nothing else', () => {
    const s = new DiffStore();
    const e = s.add(r('Sum'))!;
    assert.equal(e.originalPath, '/1/original/sum.go');
    assert.equal(e.variantPath, '/1/variant/sum.go');
    assert.equal(e.title, 'Sum: original ↔ best variant (2.00×)');
    assert.equal(s.content(e.originalPath), 'func Sum() {}');
    assert.equal(s.content(e.variantPath), 'func Sum() { fast() }');
    assert.equal(s.content('/2/original/sum.go'), undefined);
    assert.equal(s.content('/1/other/sum.go'), undefined);
  });

  it('refuses results without both sources', () => {
    const s = new DiffStore();
    assert.equal(s.add({ ...r('Sum'), original: undefined }), undefined);
    assert.equal(s.size, 0);
  });

  it('a newer run of the same function replaces the older entry', () => {
    const s = new DiffStore();
    const old = s.add(r('Sum'))!;
    s.add(r('Max'));
    const newer = s.add(r('Sum', 'file:///w/sum.go', 3))!;
    assert.equal(s.size, 2);
    assert.equal(s.get(old.id), undefined);
    assert.equal(s.find('file:///w/sum.go', 'Sum'), newer);
    assert.equal(s.content(old.variantPath), undefined, 'the replaced diff must not show stale text');
  });

  it('lists newest first, per document, and forgets removed entries', () => {
    const s = new DiffStore();
    const a = s.add(r('A'))!;
    const b = s.add(r('B', 'file:///w/other.go'))!;
    const c = s.add(r('C'))!;
    assert.deepEqual(s.all().map((e) => e.id), [c.id, b.id, a.id]);
    assert.deepEqual(s.forDocument('file:///w/sum.go').map((e) => e.result.func), ['C', 'A']);
    assert.equal(s.remove(c.id), true);
    assert.equal(s.remove(c.id), false);
    assert.deepEqual(s.forDocument('file:///w/sum.go').map((e) => e.result.func), ['A']);
  });
});

describe('parseDiffPath', () => {
  const cases: [string, ReturnType<typeof parseDiffPath>][] = [
    ['/12/original/sum.go', { id: 12, side: 'original' }],
    ['/3/variant/a b.cpp', { id: 3, side: 'variant' }],
    ['/3/variant/', { id: 3, side: 'variant' }],
    ['/x/variant/sum.go', undefined],
    ['/3/both/sum.go', undefined],
    ['/3/variant/a/b.go', undefined],
    ['3/variant/sum.go', undefined],
  ];
  for (const [path, want] of cases) it(path, () => assert.deepEqual(parseDiffPath(path), want));
});

describe('baseName', () => {
  const cases: [string, string][] = [
    ['file:///home/u/proj/sum.go', 'sum.go'],
    ['file:///home/u/my%20dir/vec%2B.cpp', 'vec+.cpp'],
    ['file:///c%3A/src/x.c', 'x.c'],
    ['untitled:Untitled-1', 'Untitled-1'],
    ['file:///w/a.go?x=1#f', 'a.go'],
    ['file:///', 'function'],
    ['file:///w/bad%zz.go', 'bad%zz.go'],
  ];
  for (const [uri, want] of cases) it(`${uri} -> ${want}`, () => assert.equal(baseName(uri), want));
});
