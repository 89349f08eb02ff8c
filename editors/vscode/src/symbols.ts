// Finding the function under the cursor from document symbols (gopls, clangd),
// for commands that name a function: the server's lessonl.showLessons takes
// {uri, func}. Kinds are VS Code's SymbolKind numbers.

export const SymbolKind = {
  Namespace: 2,
  Class: 4,
  Method: 5,
  Constructor: 8,
  Interface: 10,
  Function: 11,
  Struct: 22,
} as const;
const FUNCTION_KINDS: ReadonlySet<number> = new Set([SymbolKind.Method, SymbolKind.Constructor, SymbolKind.Function]);
const SCOPE_KINDS: ReadonlySet<number> = new Set([SymbolKind.Namespace, SymbolKind.Class, SymbolKind.Struct, SymbolKind.Interface]);

export interface Pos {
  line: number;
  character: number;
}

export interface SymbolLike {
  name: string;
  kind: number;
  range: { start: Pos; end: Pos };
  children?: SymbolLike[];
}

export interface Found {
  symbol: SymbolLike;
  // Enclosing symbols, outermost first.
  parents: SymbolLike[];
}

// enclosingFunction returns the innermost function or method whose range holds pos.
export function enclosingFunction(symbols: readonly SymbolLike[] | undefined, pos: Pos): Found | undefined {
  let best: Found | undefined;
  const visit = (list: readonly SymbolLike[] | undefined, parents: SymbolLike[]) => {
    for (const s of list ?? []) {
      if (!s || !s.range || !contains(s.range, pos)) continue;
      if (FUNCTION_KINDS.has(s.kind)) best = { symbol: s, parents };
      visit(s.children, [...parents, s]);
    }
  };
  visit(symbols, []);
  return best;
}

function contains(r: { start: Pos; end: Pos }, p: Pos): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

// funcName spells a found symbol the way the runner names targets. Go: `Name`,
// `(*T).Method` or `T.Method` (gopls writes value receivers as `(T).M` and keeps
// type parameters, `(*List[T]).Push`, which the runner does not). C++: methods
// nested in a class or namespace become `A::B::f`.
export function funcName(languageId: string, found: Found): string {
  const name = found.symbol.name;
  const scopes = found.parents.filter((p) => SCOPE_KINDS.has(p.kind)).map((p) => p.name);
  if (languageId === 'go') {
    const m = /^\((\*?)([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
    if (m) {
      const [, star, type, , method] = m;
      return star ? `(*${type}).${method}` : `${type}.${method}`;
    }
    const owner = scopes[scopes.length - 1];
    return owner && found.symbol.kind === SymbolKind.Method && !name.includes('.') ? `${owner}.${name}` : name;
  }
  if (name.includes('::') || scopes.length === 0) return name;
  return [...scopes, name].join('::');
}
