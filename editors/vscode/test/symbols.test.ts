import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SymbolKind, SymbolLike, enclosingFunction, funcName } from '../src/symbols';

const sym = (name: string, kind: number, from: number, to: number, children?: SymbolLike[]): SymbolLike => ({
  name,
  kind,
  range: { start: { line: from, character: 0 }, end: { line: to, character: 1 } },
  children,
});

// Shapes as gopls answers (methods at top level, receiver in the name) and as
// clangd answers (methods nested in classes and namespaces).
const goSymbols = [
  sym('List', SymbolKind.Struct, 2, 5, [sym('items', 7 /* Field */, 3, 3)]),
  sym('Sum', SymbolKind.Function, 7, 12),
  sym('(*List[T]).Push', SymbolKind.Method, 14, 18),
  sym('(List).Len', SymbolKind.Method, 20, 22),
  sym('(*Cache).Get', SymbolKind.Method, 24, 30),
];
const cppSymbols = [
  sym('geo', SymbolKind.Namespace, 0, 40, [
    sym('Vec', SymbolKind.Class, 1, 20, [sym('dot', SymbolKind.Method, 3, 8), sym('Vec', SymbolKind.Constructor, 9, 10)]),
    sym('norm', SymbolKind.Function, 22, 30),
    sym('Vec::cross', SymbolKind.Method, 32, 38),
  ]),
  sym('main', SymbolKind.Function, 42, 50),
];

describe('enclosingFunction + funcName', () => {
  const cases: [string, string, SymbolLike[], number, string | undefined][] = [
    ['go function', 'go', goSymbols, 9, 'Sum'],
    ['go pointer method with type parameters', 'go', goSymbols, 15, '(*List).Push'],
    ['go value method', 'go', goSymbols, 21, 'List.Len'],
    ['go pointer method', 'go', goSymbols, 30, '(*Cache).Get'],
    ['go: a struct is not a function', 'go', goSymbols, 3, undefined],
    ['go: between functions', 'go', goSymbols, 13, undefined],
    ['cpp method in class in namespace', 'cpp', cppSymbols, 4, 'geo::Vec::dot'],
    ['cpp constructor', 'cpp', cppSymbols, 9, 'geo::Vec::Vec'],
    ['cpp free function in namespace', 'cpp', cppSymbols, 25, 'geo::norm'],
    ['cpp out-of-line definition keeps its qualified name', 'cpp', cppSymbols, 33, 'Vec::cross'],
    ['c function', 'c', cppSymbols, 45, 'main'],
  ];
  for (const [name, lang, symbols, line, want] of cases) {
    it(name, () => {
      const found = enclosingFunction(symbols, { line, character: 0 });
      assert.equal(found ? funcName(lang, found) : undefined, want);
    });
  }

  it('go methods nested under their type (older gopls) get T.M', () => {
    const nested = [sym('Cache', SymbolKind.Struct, 0, 10, [sym('Get', SymbolKind.Method, 2, 4)])];
    const found = enclosingFunction(nested, { line: 3, character: 0 })!;
    assert.equal(funcName('go', found), 'Cache.Get');
  });

  it('range ends are inclusive, columns count', () => {
    const s = [sym('F', SymbolKind.Function, 1, 3)];
    assert.equal(enclosingFunction(s, { line: 3, character: 1 })?.symbol.name, 'F');
    assert.equal(enclosingFunction(s, { line: 3, character: 2 }), undefined);
  });

  it('tolerates missing symbols and malformed entries', () => {
    assert.equal(enclosingFunction(undefined, { line: 0, character: 0 }), undefined);
    assert.equal(enclosingFunction([{} as SymbolLike], { line: 0, character: 0 }), undefined);
  });
});
