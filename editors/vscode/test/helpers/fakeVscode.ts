// A fake of the part of the `vscode` module the extension uses (and, for the
// languageclient test, what vscode-languageclient's command feature touches).
// It records what the extension shows and lets a test answer prompts and press
// buttons. It behaves like VS Code where the extension depends on it: commands
// cannot be registered twice, withProgress's token is cancelled by the user,
// status bar items are plain mutable objects.
import { CancellationTokenSource } from 'vscode-languageserver-protocol';

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  static parse(value: string): Uri {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!m) throw new Error(`bad uri ${value}`);
    return new Uri(m[1], m[2] ?? '', decodeURIComponent(m[3] ?? ''), m[4] ?? '', m[5] ?? '');
  }
  static file(path: string): Uri {
    return new Uri('file', '', path, '', '');
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    const auth = this.scheme === 'file' || this.authority !== '' ? `//${this.authority}` : '';
    const path = this.path.split('/').map((s) => encodeURIComponent(s)).join('/');
    return `${this.scheme}:${auth}${path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}
export class Selection extends Range {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {
    const before = anchor.line < active.line || (anchor.line === active.line && anchor.character <= active.character);
    super(before ? anchor : active, before ? active : anchor);
  }
  get isEmpty(): boolean {
    return this.anchor.line === this.active.line && this.anchor.character === this.active.character;
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class TabInputTextDiff {
  constructor(
    readonly original: Uri,
    readonly modified: Uri,
  ) {}
}
export class CancellationError extends Error {}
export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export interface Shown {
  level: 'info' | 'warning' | 'error';
  message: string;
  items: string[];
}
export interface ProgressRun {
  options: { location: number; title?: string; cancellable?: boolean };
  reports: { message?: string; increment?: number }[];
  cancel(): void;
  done: boolean;
}
export class FakeDocument {
  constructor(
    readonly uri: Uri,
    readonly languageId: string,
    readonly text: string,
  ) {}
  getText(range?: Range): string {
    if (!range) return this.text;
    const lines = this.text.split('\n');
    return lines[range.start.line].slice(range.start.character, range.end.character);
  }
  getWordRangeAtPosition(p: Position): Range | undefined {
    const line = this.text.split('\n')[p.line] ?? '';
    const re = /[A-Za-z_][A-Za-z0-9_]*/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      if (m.index <= p.character && p.character <= m.index + m[0].length) {
        return new Range(new Position(p.line, m.index), new Position(p.line, m.index + m[0].length));
      }
    }
    return undefined;
  }
}

type Answer = (shown: Shown) => string | undefined;

export function createFakeVscode() {
  const shown: Shown[] = [];
  const progressRuns: ProgressRun[] = [];
  const executed: { id: string; args: unknown[] }[] = [];
  const registered = new Map<string, (...args: unknown[]) => unknown>();
  const providers = new Map<string, { provideTextDocumentContent(uri: Uri): string }>();
  const configListeners: ((e: { affectsConfiguration(s: string): boolean }) => void)[] = [];
  const settings = { global: {} as Record<string, unknown>, workspace: {} as Record<string, unknown> };
  const logLines: string[] = [];
  const openedDocs: FakeDocument[] = [];
  const clipboard: string[] = [];
  const statusItems: Record<string, unknown>[] = [];
  let answer: Answer = () => undefined;
  let symbols: unknown[] | undefined;
  const tabs: { input: unknown }[] = [];

  const show = (level: Shown['level']) => (message: string, ...items: unknown[]) => {
    const s: Shown = { level, message, items: items.filter((i): i is string => typeof i === 'string') };
    shown.push(s);
    return Promise.resolve(answer(s));
  };
  const log = (level: string) => (msg: string) => void logLines.push(`${level}: ${msg}`);

  const vscode = {
    Uri,
    Position,
    Range,
    Selection,
    ThemeColor,
    TabInputTextDiff,
    CancellationError,
    EventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    window: {
      activeTextEditor: undefined as undefined | { document: FakeDocument; selection: Selection },
      createOutputChannel: (name: string, opts?: { log?: boolean }) => {
        if (!opts?.log) throw new Error('the extension must use a LogOutputChannel');
        return {
          name,
          info: log('info'),
          warn: log('warn'),
          error: log('error'),
          debug: log('debug'),
          trace: log('trace'),
          append: (s: string) => void logLines.push(s),
          appendLine: (s: string) => void logLines.push(s),
          show: () => void logLines.push('<shown>'),
          dispose: () => undefined,
        };
      },
      createStatusBarItem: (id: string, alignment: number, priority: number) => {
        const item: Record<string, unknown> = { id, alignment, priority, visible: false };
        item.show = () => (item.visible = true);
        item.hide = () => (item.visible = false);
        item.dispose = () => undefined;
        statusItems.push(item);
        return item;
      },
      showInformationMessage: show('info'),
      showWarningMessage: show('warning'),
      showErrorMessage: show('error'),
      withProgress: async <R>(
        options: ProgressRun['options'],
        task: (p: { report(v: { message?: string; increment?: number }): void }, token: unknown) => Promise<R>,
      ): Promise<R> => {
        const cts = new CancellationTokenSource();
        const run: ProgressRun = { options, reports: [], cancel: () => cts.cancel(), done: false };
        progressRuns.push(run);
        try {
          return await task({ report: (v) => void run.reports.push({ ...v }) }, cts.token);
        } finally {
          run.done = true;
        }
      },
      showQuickPick: async <T extends { label: string }>(items: T[]) => items[0],
      showInputBox: async (opts: { value?: string }) => opts.value,
      showTextDocument: async (doc: FakeDocument) => ({ document: doc }),
      tabGroups: {
        get all() {
          return [{ tabs }];
        },
        close: async (closing: unknown[]) => {
          for (const t of closing) tabs.splice(tabs.indexOf(t as never), 1);
          return true;
        },
      },
    },
    workspace: {
      workspaceFolders: undefined as undefined | { uri: Uri }[],
      registerTextDocumentContentProvider: (scheme: string, p: { provideTextDocumentContent(uri: Uri): string }) => {
        providers.set(scheme, p);
        return { dispose: () => providers.delete(scheme) };
      },
      onDidChangeConfiguration: (l: (e: { affectsConfiguration(s: string): boolean }) => void) => {
        configListeners.push(l);
        return { dispose: () => undefined };
      },
      getConfiguration: (section?: string) => {
        const full = (key: string) => (section ? `${section}.${key}` : key);
        return {
          get: <T>(key: string, dflt?: T) => (settings.workspace[full(key)] ?? settings.global[full(key)] ?? dflt) as T,
          has: (key: string) => settings.workspace[full(key)] !== undefined || settings.global[full(key)] !== undefined,
          inspect: (key: string) => ({ key: full(key), globalValue: settings.global[full(key)], workspaceValue: settings.workspace[full(key)] }),
        };
      },
      openTextDocument: async (arg: { language: string; content: string } | Uri) => {
        const doc = arg instanceof Uri ? new FakeDocument(arg, 'markdown', `contents of ${arg.toString()}`) : new FakeDocument(Uri.parse('untitled:Untitled-1'), arg.language, arg.content);
        openedDocs.push(doc);
        return doc;
      },
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        if (registered.has(id)) throw new Error(`command '${id}' already exists`);
        registered.set(id, fn);
        return { dispose: () => registered.delete(id) };
      },
      executeCommand: async <T>(id: string, ...args: unknown[]): Promise<T> => {
        executed.push({ id, args });
        const fn = registered.get(id);
        if (fn) return (await fn(...args)) as T;
        if (id === 'vscode.executeDocumentSymbolProvider') return symbols as T;
        if (id === 'vscode.diff') {
          tabs.push({ input: new TabInputTextDiff(args[0] as Uri, args[1] as Uri) });
        }
        return undefined as T;
      },
    },
    env: {
      clipboard: { writeText: async (s: string) => void clipboard.push(s) },
    },
  };

  return {
    vscode,
    shown,
    progressRuns,
    executed,
    registered,
    providers,
    settings,
    logLines,
    openedDocs,
    clipboard,
    statusItems,
    tabs,
    // answerWith decides which button the user presses for each message.
    answerWith(a: Answer) {
      answer = a;
    },
    setSymbols(s: unknown[] | undefined) {
      symbols = s;
    },
    changeSetting(scope: 'global' | 'workspace', key: string, value: unknown) {
      settings[scope][key] = value;
      const event = { affectsConfiguration: (s: string) => key === s || key.startsWith(s + '.') };
      for (const l of configListeners) l(event);
    },
    openEditor(uri: string, languageId: string, text: string, anchor: [number, number], active = anchor) {
      vscode.window.activeTextEditor = {
        document: new FakeDocument(Uri.parse(uri), languageId, text),
        selection: new Selection(new Position(anchor[0], anchor[1]), new Position(active[0], active[1])),
      };
    },
    context() {
      return { subscriptions: [] as { dispose(): unknown }[] };
    },
  };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;
