// The extension's behaviour in VS Code: commands, the progress notification, the
// status bar item, the diff editor and the server's lifecycle. The `vscode` API
// is passed in (`vs`) rather than imported, so the tests run this code under
// Node with a fake of exactly the surface it uses; everything that can be a
// plain function lives in the modules it imports.
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { MiddlewareHooks } from './clientOptions';
import { ReadResult, ServerConfig, didChangeConfigurationParams, expandHome, readServerConfig } from './config';
import { DiffEntry, DiffStore, parseDiffPath } from './diff';
import {
  CONFIG_SECTION,
  ClientCommand,
  ContextKey,
  DIFF_SCHEME,
  INSTALL_COMMAND,
  LANGUAGES,
  ServerCommand,
} from './ids';
import { lessonsMarkdown } from './lessons';
import { LspClient, errorText, execute, executeWithProgress, isCancellation } from './lsp';
import { ProgressMirror } from './progress';
import { OptimizeResult, decide, formatSpeedup, parseOptimizeResult } from './result';
import { resolveServerPath } from './serverPath';
import { StatusState, renderStatus } from './status';
import { SymbolLike, enclosingFunction, funcName } from './symbols';

export type VS = typeof vscode;

// The running language server as the controller sees it; in VS Code a
// vscode-languageclient LanguageClient (see client.ts).
export interface ServerClient extends LspClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  sendNotification(method: string, params: unknown): Promise<void>;
  // vscode-languageclient's state events (1 = stopped, 2 = running, 3 = starting).
  readonly onDidChangeState?: (listener: (e: { oldState: number; newState: number }) => void) => { dispose(): unknown };
}

const STATE_STOPPED = 1;

export interface ClientSpec {
  serverPath: string;
  log: vscode.LogOutputChannel;
  hooks: MiddlewareHooks;
  initializationOptions: () => ServerConfig;
}

export interface Deps {
  createClient(spec: ClientSpec): ServerClient;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  isExecutable?: (file: string) => boolean;
}

interface Run {
  readonly id: number;
  readonly cts: CancellationTokenSource;
  message: string;
  cancelled: boolean;
  readonly whenCancelled: Promise<void>;
  readonly markCancelled: () => void;
}

// A function named for commands that take {uri, func}.
interface Target {
  uri: string;
  func: string;
}

const APPLY = 'Apply';
const DISCARD = 'Discard';
const OPEN_REPORT = 'Open Report';
const SHOW_LOG = 'Show Log';
const OPEN_SETTINGS = 'Open Settings';
const COPY_INSTALL = 'Copy Install Command';

export class Controller implements MiddlewareHooks {
  readonly log: vscode.LogOutputChannel;
  readonly diffs = new DiffStore();
  private readonly item: vscode.StatusBarItem;
  private client: ServerClient | undefined;
  private base: StatusState = { kind: 'starting' };
  private readonly runs = new Map<number, Run>();
  private runSeq = 0;
  private lastProblems = '';
  private starting: Promise<void> | undefined;

  constructor(
    private readonly vs: VS,
    context: vscode.ExtensionContext,
    private readonly deps: Deps,
  ) {
    this.log = vs.window.createOutputChannel('LessonL', { log: true });
    this.item = vs.window.createStatusBarItem('lessonl.status', vs.StatusBarAlignment.Right, 100);
    this.item.name = 'LessonL';
    context.subscriptions.push(this.log, this.item);
    this.render();
    this.item.show();

    context.subscriptions.push(
      vs.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, {
        provideTextDocumentContent: (uri) => this.diffs.content(uri.path) ?? '',
      }),
      vs.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
    );
    const commands: Record<string, (...args: unknown[]) => unknown> = {
      [ClientCommand.optimizeFunction]: () => this.optimizeFunction(),
      [ClientCommand.applyBest]: (arg) => this.applyBest(arg),
      [ClientCommand.showDiff]: (arg) => this.showDiff(arg),
      [ClientCommand.discardVariant]: (arg) => this.discardVariant(arg),
      [ClientCommand.cancelRun]: () => this.cancelRuns(),
      [ClientCommand.lessons]: (arg) => this.showLessons(arg),
      [ClientCommand.openStore]: () => this.openStore(),
      [ClientCommand.showLog]: () => this.log.show(),
      [ClientCommand.restartServer]: () => this.restart(true),
    };
    for (const [id, fn] of Object.entries(commands)) {
      context.subscriptions.push(vs.commands.registerCommand(id, fn));
    }
    context.subscriptions.push({ dispose: () => void this.stop() });
    this.updateContext();
  }

  // ---- server lifecycle -------------------------------------------------

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.setBase({ kind: 'starting' });
    const setting = this.settings().get<string>('serverPath');
    const resolved = resolveServerPath(setting, {
      env: this.deps.env,
      platform: this.deps.platform,
      home: this.deps.home,
      workspaceFolder: this.vs.workspace.workspaceFolders?.[0]?.uri.fsPath,
      isExecutable: this.deps.isExecutable,
    });
    if (!resolved.ok) {
      this.setBase({ kind: 'missing' });
      this.log.error(resolved.message);
      this.log.info(`searched: ${resolved.tried.join(', ')}`);
      void this.offerInstall(resolved.message);
      return;
    }
    if (resolved.note) this.log.info(resolved.note);
    this.reportProblems(this.readConfig());
    const client = this.deps.createClient({
      serverPath: resolved.path,
      log: this.log,
      hooks: this,
      initializationOptions: () => this.serverConfig(),
    });
    this.client = client;
    // The client restarts a crashing server a few times, then gives up: say so
    // instead of looking idle.
    const watch = client.onDidChangeState?.((e) => {
      if (e.newState !== STATE_STOPPED || this.client !== client) return;
      this.client = undefined;
      watch?.dispose();
      const msg = 'the language server stopped; see LessonL: Show Log, then run LessonL: Restart Server';
      this.log.error(msg);
      this.setBase({ kind: 'error', message: msg });
    });
    this.log.info(`starting ${resolved.path} serve`);
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      watch?.dispose();
      const msg = `LessonL: couldn't start "${resolved.path} serve": ${errorText(err)}. Check that "${resolved.path} version" runs in a terminal.`;
      this.log.error(msg);
      this.setBase({ kind: 'error', message: msg });
      void this.vs.window.showErrorMessage(msg, SHOW_LOG).then((c) => c === SHOW_LOG && this.log.show());
      return;
    }
    this.setBase({ kind: 'idle' });
  }

  private async offerInstall(message: string): Promise<void> {
    const choice = await this.vs.window.showWarningMessage(message, OPEN_SETTINGS, COPY_INSTALL);
    if (choice === OPEN_SETTINGS) {
      await this.vs.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.serverPath`);
    } else if (choice === COPY_INSTALL) {
      await this.vs.env.clipboard.writeText(INSTALL_COMMAND);
      void this.vs.window.showInformationMessage(
        `LessonL: copied "${INSTALL_COMMAND}". Run it in a terminal, then run "LessonL: Restart Server".`,
      );
    }
  }

  async stop(): Promise<void> {
    for (const run of this.runs.values()) this.cancel(run);
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (err) {
        this.log.warn(`stopping the server: ${errorText(err)}`);
      }
    }
  }

  async restart(announce = false): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
    if (announce && this.client) void this.vs.window.showInformationMessage('LessonL: the language server was restarted.');
  }

  get running(): boolean {
    return this.client !== undefined;
  }

  // ---- configuration -----------------------------------------------------

  private settings(): vscode.WorkspaceConfiguration {
    return this.vs.workspace.getConfiguration(CONFIG_SECTION);
  }

  readConfig(): ReadResult {
    const c = this.settings();
    return readServerConfig((key) => c.inspect(key), this.deps.home);
  }

  serverConfig(): ServerConfig {
    return this.readConfig().config;
  }

  async sendConfig(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const read = this.readConfig();
    this.reportProblems(read);
    await client.sendNotification('workspace/didChangeConfiguration', didChangeConfigurationParams(read.config));
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (e.affectsConfiguration(`${CONFIG_SECTION}.serverPath`)) {
      this.log.info('lessonl.serverPath changed: restarting the server');
      void this.restart();
    } else if (e.affectsConfiguration(CONFIG_SECTION) && !this.client) {
      // With a client, its configuration middleware (sendConfig) reports problems.
      this.reportProblems(this.readConfig());
    }
  }

  // Bad settings are skipped (the server uses its default) and reported once.
  private reportProblems(read: ReadResult): void {
    const text = read.problems.join(' ');
    if (text === this.lastProblems) return;
    this.lastProblems = text;
    for (const p of read.problems) this.log.warn(p);
    if (text !== '') {
      void this.vs.window.showWarningMessage(read.problems.join('\n'), OPEN_SETTINGS).then((c) => {
        if (c === OPEN_SETTINGS) void this.vs.commands.executeCommand('workbench.action.openSettings', CONFIG_SECTION);
      });
    }
  }

  // ---- optimisation ------------------------------------------------------

  async optimizeFunction(): Promise<unknown> {
    const ed = this.vs.window.activeTextEditor;
    if (!ed) {
      void this.vs.window.showInformationMessage('LessonL: open a Go, C or C++ file and put the cursor in a function to optimize.');
      return undefined;
    }
    const doc = ed.document;
    if (!(LANGUAGES as readonly string[]).includes(doc.languageId) || !['file', 'untitled'].includes(doc.uri.scheme)) {
      void this.vs.window.showInformationMessage(
        `LessonL optimizes functions in Go, C and C++ files; this editor's language is ${doc.languageId}.`,
      );
      return undefined;
    }
    const uri = doc.uri.toString();
    const sel = ed.selection;
    const pos = (p: vscode.Position) => ({ line: p.line, character: p.character });
    const arg = sel.isEmpty ? { uri, position: pos(sel.active) } : { uri, range: { start: pos(sel.start), end: pos(sel.end) } };
    return this.optimize([arg]);
  }

  // optimize runs the server's lessonl.optimize inside a cancellable notification
  // that mirrors the server's progress. It resolves with the server's answer as
  // soon as it arrives; the Apply / Discard question is asked without blocking it.
  async optimize(args: unknown[]): Promise<unknown> {
    const client = this.client;
    if (!client) {
      this.explainNotRunning();
      return undefined;
    }
    let markCancelled!: () => void;
    const whenCancelled = new Promise<void>((resolve) => (markCancelled = resolve));
    const run: Run = { id: ++this.runSeq, cts: new CancellationTokenSource(), message: '', cancelled: false, whenCancelled, markCancelled };
    this.runs.set(run.id, run);
    this.refresh();

    let request!: Promise<unknown>;
    const outcome = await this.vs.window.withProgress(
      { location: this.vs.ProgressLocation.Notification, title: 'LessonL', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => this.cancel(run));
        const mirror = new ProgressMirror((step) => {
          progress.report(step);
          run.message = mirror.message;
          this.refresh();
        });
        progress.report({ message: 'starting…' });
        request = executeWithProgress(client, ServerCommand.optimize, args, (v) => mirror.handle(v), run.cts.token);
        // The notification closes as soon as the user cancels; the request itself
        // settles when the server has stopped the run.
        return Promise.race([
          request.then(
            (value) => ({ kind: 'done' as const, value }),
            (error: unknown) => ({ kind: 'failed' as const, error }),
          ),
          whenCancelled.then(() => ({ kind: 'cancelled' as const })),
        ]);
      },
    );

    if (outcome.kind === 'cancelled') {
      void request.then(
        (value) => this.log.info(`run cancelled; the server answered ${JSON.stringify(value)}`),
        (err: unknown) => this.log.info(`run cancelled: ${errorText(err)}`),
      ).finally(() => this.endRun(run));
      return undefined;
    }
    this.endRun(run);
    if (outcome.kind === 'failed') {
      if (isCancellation(outcome.error)) {
        this.log.info('the server cancelled the run');
        return undefined;
      }
      const msg = `LessonL: the optimization failed: ${errorText(outcome.error)}`;
      this.log.error(msg);
      void this.vs.window.showErrorMessage(msg, SHOW_LOG).then((c) => c === SHOW_LOG && this.log.show());
      return undefined;
    }
    const parsed = parseOptimizeResult(outcome.value);
    if (!parsed.ok) {
      this.log.error(`${parsed.error}: ${JSON.stringify(outcome.value)}`);
      void this.vs.window.showErrorMessage(`LessonL: ${parsed.error}. Update lessonl and this extension together.`, SHOW_LOG).then(
        (c) => c === SHOW_LOG && this.log.show(),
      );
      return outcome.value;
    }
    this.log.info(`result: ${JSON.stringify({ ...parsed.result, original: undefined, variant: undefined })}`);
    this.setBase({ kind: 'result', result: parsed.result });
    void this.present(parsed.result);
    return outcome.value;
  }

  private endRun(run: Run): void {
    this.runs.delete(run.id);
    run.cts.dispose();
    this.refresh();
  }

  private cancel(run: Run): void {
    if (run.cancelled) return;
    run.cancelled = true;
    run.cts.cancel(); // sends $/cancelRequest for the executeCommand request
    run.markCancelled();
    this.refresh();
  }

  async cancelRuns(): Promise<void> {
    if (this.runs.size === 0) {
      void this.vs.window.showInformationMessage('LessonL: no optimization is running.');
      return;
    }
    for (const run of this.runs.values()) this.cancel(run);
    const client = this.client;
    if (client) {
      // Also stops runs the server started for requests we no longer track.
      await execute(client, ServerCommand.cancel, []).catch((err: unknown) => this.log.warn(`lessonl.cancel: ${errorText(err)}`));
    }
  }

  // present shows a result: a faster variant opens the diff editor and asks
  // Apply / Discard; anything else is explained. Nothing is written here.
  private async present(result: OptimizeResult | null): Promise<void> {
    const decision = decide(result);
    const report = result?.report_uri ? [OPEN_REPORT] : [];
    if (decision.kind === 'offer' && result) {
      const entry = this.diffs.add(result);
      if (!entry) return;
      this.updateContext();
      await this.openDiff(entry);
      const choice = await this.vs.window.showInformationMessage(decision.message, APPLY, DISCARD, ...report);
      // The answer may come late: a newer run or another Apply may have replaced this variant.
      if (this.diffs.get(entry.id) !== entry) return;
      if (choice === APPLY) await this.apply(entry);
      else if (choice === DISCARD) await this.discard(entry);
      else if (choice === OPEN_REPORT) await this.openReport(result.report_uri!);
      return;
    }
    const choice =
      decision.kind === 'warn'
        ? await this.vs.window.showWarningMessage(decision.message, ...report)
        : await this.vs.window.showInformationMessage(decision.message, ...report);
    if (choice === OPEN_REPORT && result?.report_uri) await this.openReport(result.report_uri);
  }

  private async openDiff(entry: DiffEntry): Promise<void> {
    const left = this.vs.Uri.from({ scheme: DIFF_SCHEME, path: entry.originalPath });
    const right = this.vs.Uri.from({ scheme: DIFF_SCHEME, path: entry.variantPath });
    await this.vs.commands.executeCommand('vscode.diff', left, right, entry.title, { preview: true });
  }

  private async openReport(reportUri: string): Promise<void> {
    try {
      const doc = await this.vs.workspace.openTextDocument(this.vs.Uri.parse(reportUri));
      await this.vs.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      void this.vs.window.showErrorMessage(`LessonL: couldn't open the report ${reportUri}: ${errorText(err)}`);
    }
  }

  // ---- apply / diff / discard -------------------------------------------

  async applyBest(arg?: unknown): Promise<void> {
    const entry = await this.entryFor(arg, 'apply');
    if (entry) await this.apply(entry);
  }

  async showDiff(arg?: unknown): Promise<void> {
    const entry = await this.entryFor(arg, 'show');
    if (entry) await this.openDiff(entry);
  }

  async discardVariant(arg?: unknown): Promise<void> {
    const entry = await this.entryFor(arg, 'discard');
    if (entry) await this.discard(entry);
  }

  // apply asks the server to apply the variant: it sends a versioned edit and
  // refuses when the function changed since the run, so no user edit is lost,
  // or when a later run replaced the variant shown (passed back as `variant`).
  private async apply(entry: DiffEntry): Promise<void> {
    const client = this.client;
    if (!client) {
      this.explainNotRunning();
      return;
    }
    const { uri, func, variant } = entry.result;
    let answer: unknown;
    try {
      answer = await execute(client, ServerCommand.apply, [{ uri, func, variant }]);
    } catch (err) {
      const msg = `LessonL: couldn't apply the variant of ${func}: ${errorText(err)}`;
      this.log.error(msg);
      void this.vs.window.showErrorMessage(msg);
      return;
    }
    // The server announces the outcome of lessonl.apply (applied, or refused and
    // why) with window/showMessage, for its lens and code action too: saying it
    // again here would show every outcome twice.
    const refused = refusal(answer);
    if (refused !== undefined) {
      this.log.warn(`the variant of ${func} was not applied: ${refused || 'the editor refused the edit'}`);
      return;
    }
    this.log.info(`applied the ${formatSpeedup(entry.result.speedup)} variant of ${func} to ${uri}`);
    await this.forget(entry);
    this.setBase({ kind: 'idle' });
  }

  applied(args: unknown[], answer: unknown): void {
    const target = args[0];
    if (!isTarget(target) || refusal(answer) !== undefined) return;
    const entry = this.diffs.find(target.uri, target.func);
    if (entry) {
      this.log.info(`the server applied the variant of ${target.func}; it is no longer pending`);
      void this.forget(entry);
    }
  }

  private async discard(entry: DiffEntry): Promise<void> {
    this.log.info(`discarded the variant of ${entry.result.func}`);
    await this.forget(entry);
    this.setBase({ kind: 'idle' });
  }

  private async forget(entry: DiffEntry): Promise<void> {
    this.diffs.remove(entry.id);
    this.updateContext();
    const tabs = this.vs.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => {
        const input = t.input;
        return (
          input instanceof this.vs.TabInputTextDiff &&
          input.modified.scheme === DIFF_SCHEME &&
          parseDiffPath(input.modified.path)?.id === entry.id
        );
      });
    if (tabs.length > 0) await this.vs.window.tabGroups.close(tabs);
  }

  // entryFor finds the variant a command is about: the diff editor's document
  // (editor title buttons pass its URI), {uri, func}, or the active file's.
  private async entryFor(arg: unknown, verb: 'apply' | 'show' | 'discard'): Promise<DiffEntry | undefined> {
    const fromUri = (u: { scheme: string; path: string }) =>
      u.scheme === DIFF_SCHEME ? this.diffs.get(parseDiffPath(u.path)?.id ?? -1) : undefined;
    let entry: DiffEntry | undefined;
    if (arg instanceof this.vs.Uri) entry = fromUri(arg);
    else if (isTarget(arg)) entry = this.diffs.find(arg.uri, arg.func);
    if (!entry && arg === undefined) {
      const doc = this.vs.window.activeTextEditor?.document;
      if (doc) entry = fromUri(doc.uri);
      let candidates = doc && !entry ? this.diffs.forDocument(doc.uri.toString()) : [];
      if (!entry && candidates.length === 0) candidates = this.diffs.all();
      if (!entry && candidates.length === 1) entry = candidates[0];
      else if (!entry && candidates.length > 1) {
        const picked = await this.vs.window.showQuickPick(
          candidates.map((e) => ({ label: e.result.func, description: `${formatSpeedup(e.result.speedup)} · ${e.result.uri}`, entry: e })),
          { placeHolder: `Which variant to ${verb}?` },
        );
        entry = picked?.entry;
        if (!picked) return undefined;
      }
    }
    if (!entry) {
      void this.vs.window.showInformationMessage(
        'LessonL: there is no pending variant for this. Run "LessonL: Optimize Function" first; a variant stays pending until you apply or discard it.',
      );
    }
    return entry;
  }

  // ---- lessons and the store ---------------------------------------------

  async showLessons(arg?: unknown): Promise<void> {
    const client = this.client;
    if (!client) {
      this.explainNotRunning();
      return;
    }
    const target = isTarget(arg) ? arg : await this.targetAtCursor();
    if (!target) return;
    let answer: unknown;
    try {
      answer = await execute(client, ServerCommand.showLessons, [target]);
    } catch (err) {
      void this.vs.window.showErrorMessage(`LessonL: couldn't get the lessons for ${target.func}: ${errorText(err)}`);
      return;
    }
    const md = lessonsMarkdown(answer, target.func);
    if (md === undefined) return;
    const doc = await this.vs.workspace.openTextDocument({ language: 'markdown', content: md });
    await this.vs.window.showTextDocument(doc, { preview: true });
  }

  // targetAtCursor names the function under the cursor: from the document's
  // symbols (gopls, clangd) when available, else a pending variant of the file,
  // else by asking.
  private async targetAtCursor(): Promise<Target | undefined> {
    const ed = this.vs.window.activeTextEditor;
    if (!ed || !(LANGUAGES as readonly string[]).includes(ed.document.languageId)) {
      void this.vs.window.showInformationMessage('LessonL: put the cursor in a Go, C or C++ function to see its lessons.');
      return undefined;
    }
    const uri = ed.document.uri.toString();
    let symbols: SymbolLike[] | undefined;
    try {
      const raw = await this.vs.commands.executeCommand<unknown[]>('vscode.executeDocumentSymbolProvider', ed.document.uri);
      symbols = (raw ?? []).map(toSymbolLike).filter((s): s is SymbolLike => s !== undefined);
    } catch (err) {
      this.log.debug(`document symbols: ${errorText(err)}`);
    }
    const found = enclosingFunction(symbols, ed.selection.active);
    if (found) return { uri, func: funcName(ed.document.languageId, found) };
    const pending = this.diffs.forDocument(uri)[0];
    if (pending) return { uri, func: pending.result.func };
    const word = ed.document.getWordRangeAtPosition(ed.selection.active);
    const func = await this.vs.window.showInputBox({
      prompt: 'LessonL: which function? (Name, (*T).Method or T.Method)',
      value: word ? ed.document.getText(word) : '',
    });
    return func ? { uri, func: func.trim() } : undefined;
  }

  async openStore(): Promise<void> {
    const configured = this.serverConfig().store;
    const dir = configured ?? (this.deps.env.LESSONL_HOME ? expandHome(this.deps.env.LESSONL_HOME, this.deps.home) : undefined);
    if (!dir) {
      const c = await this.vs.window.showInformationMessage(
        'LessonL: the lesson store is in the server\'s default place (neither lessonl.store nor LESSONL_HOME is set). Set lessonl.store to choose where it lives.',
        OPEN_SETTINGS,
      );
      if (c === OPEN_SETTINGS) await this.vs.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.store`);
      return;
    }
    if (!fs.existsSync(dir)) {
      void this.vs.window.showInformationMessage(`LessonL: there is no lesson store at ${dir} yet; the first optimization creates it.`);
      return;
    }
    await this.vs.commands.executeCommand('revealFileInOS', this.vs.Uri.file(dir));
  }

  // ---- status ------------------------------------------------------------

  private explainNotRunning(): void {
    const why = this.base.kind === 'missing' ? 'the lessonl binary was not found' : 'the language server is not running';
    void this.vs.window.showErrorMessage(`LessonL: ${why}. See the log, fix it, then run "LessonL: Restart Server".`, SHOW_LOG).then(
      (c) => c === SHOW_LOG && this.log.show(),
    );
  }

  private setBase(s: StatusState): void {
    this.base = s;
    this.refresh();
  }

  get status(): StatusState {
    const active = [...this.runs.values()].filter((r) => !r.cancelled);
    if (active.length > 0) return { kind: 'working', message: active[active.length - 1].message, runs: active.length };
    if (this.runs.size > 0) return { kind: 'cancelling' };
    return this.base;
  }

  private refresh(): void {
    this.render();
    this.updateContext();
  }

  private render(): void {
    const view = renderStatus(this.status);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor = view.warning ? new this.vs.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  private updateContext(): void {
    void this.vs.commands.executeCommand('setContext', ContextKey.running, this.runs.size > 0);
    void this.vs.commands.executeCommand('setContext', ContextKey.hasVariant, this.diffs.size > 0);
  }
}

function isTarget(arg: unknown): arg is Target {
  const a = arg as Partial<Target> | null | undefined;
  return typeof a === 'object' && a !== null && typeof a.uri === 'string' && typeof a.func === 'string';
}

// The server may answer lessonl.apply with the editor's ApplyWorkspaceEditResult;
// returns the failure reason when it says the edit was not applied.
function refusal(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const a = answer as { applied?: unknown; failureReason?: unknown; message?: unknown };
  if (a.applied !== false) return undefined;
  if (typeof a.failureReason === 'string') return a.failureReason;
  if (typeof a.message === 'string') return a.message;
  return '';
}

// Document symbol providers answer DocumentSymbol (range) or SymbolInformation (location.range).
function toSymbolLike(s: unknown): SymbolLike | undefined {
  const o = s as { name?: unknown; kind?: unknown; range?: SymbolLike['range']; location?: { range?: SymbolLike['range'] }; children?: unknown[] };
  if (!o || typeof o.name !== 'string' || typeof o.kind !== 'number') return undefined;
  const range = o.range ?? o.location?.range;
  if (!range) return undefined;
  const children = Array.isArray(o.children) ? o.children.map(toSymbolLike).filter((c): c is SymbolLike => c !== undefined) : undefined;
  return { name: o.name, kind: o.kind, range, children };
}
