// The pending variants of this session and the virtual documents of the diff
// editor. Nothing here writes to the user's files: applying is the server's job
// (lessonl.apply, a versioned workspace edit it refuses when the function changed).
import { DIFF_SCHEME } from './ids';
import { OptimizeResult, formatSpeedup } from './result';

export type Side = 'original' | 'variant';

export interface DiffEntry {
  readonly id: number;
  readonly result: OptimizeResult & { original: string; variant: string };
  // Paths of the two virtual documents (scheme DIFF_SCHEME). The file name keeps
  // the source's extension so the diff editor highlights the right language.
  readonly originalPath: string;
  readonly variantPath: string;
  readonly title: string;
}

export class DiffStore {
  private nextId = 1;
  private readonly entries = new Map<number, DiffEntry>();

  // add records a result that has both sources and returns its entry. A newer
  // result for the same function replaces the older one: only the latest run's
  // variant can be applied.
  add(result: OptimizeResult): DiffEntry | undefined {
    if (typeof result.original !== 'string' || typeof result.variant !== 'string') return undefined;
    for (const e of this.entries.values()) {
      if (e.result.uri === result.uri && e.result.func === result.func) this.entries.delete(e.id);
    }
    const id = this.nextId++;
    const name = baseName(result.uri);
    const entry: DiffEntry = {
      id,
      result: result as DiffEntry['result'],
      originalPath: `/${id}/original/${name}`,
      variantPath: `/${id}/variant/${name}`,
      title: `${result.func}: original ↔ best variant (${formatSpeedup(result.speedup)})`,
    };
    this.entries.set(id, entry);
    return entry;
  }

  get(id: number): DiffEntry | undefined {
    return this.entries.get(id);
  }

  remove(id: number): boolean {
    return this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  // Newest first.
  all(): DiffEntry[] {
    return [...this.entries.values()].sort((a, b) => b.id - a.id);
  }

  find(uri: string, func: string): DiffEntry | undefined {
    return this.all().find((e) => e.result.uri === uri && e.result.func === func);
  }

  forDocument(uri: string): DiffEntry[] {
    return this.all().filter((e) => e.result.uri === uri);
  }

  // content answers the text document content provider for a virtual document path.
  content(path: string): string | undefined {
    const p = parseDiffPath(path);
    if (!p) return undefined;
    const e = this.entries.get(p.id);
    if (!e) return undefined;
    return p.side === 'original' ? e.result.original : e.result.variant;
  }
}

export function parseDiffPath(path: string): { id: number; side: Side } | undefined {
  const m = /^\/(\d+)\/(original|variant)\/[^/]*$/.exec(path);
  if (!m) return undefined;
  return { id: Number(m[1]), side: m[2] as Side };
}

// The last path segment of a URI, decoded, used as the virtual documents' file
// name; "function" when the URI has none.
export function baseName(uri: string): string {
  const path = uri.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, '').replace(/[?#].*$/, '');
  const seg = path.split('/').filter((s) => s !== '').pop() ?? '';
  let name = seg;
  try {
    name = decodeURIComponent(seg);
  } catch {
    // A malformed escape: keep the raw segment.
  }
  name = name.replace(/[\\/:]/g, '_');
  return name === '' ? 'function' : name;
}

export { DIFF_SCHEME };
