// The shipped bundle (dist/extension.js, what the .vsix contains) activated with
// the fake `vscode` module: the real vscode-languageclient 11 starts a real
// server process over stdio (test/fixtures/server.ts), and the extension's
// commands, middleware and progress UI run on top of it. Build the bundle first
// (npm run bundle); npm test does.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientCommand, DIFF_SCHEME, ServerCommand } from '../src/ids';
import { FakeVscode, Uri, createFakeVscode } from './helpers/fakeVscode';
import { SERVER_COMMANDS, waitFor } from './helpers/lspPair';

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'extension.js');

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Loader };

// The fake, widened with what vscode-languageclient touches while starting:
// unknown classes become empty classes, unknown namespace members no-op
// functions returning a disposable (event subscriptions, provider registrations).
function languageClientVscode(fake: FakeVscode): unknown {
  const disposable = () => ({ dispose: () => undefined });
  const noop = () => disposable();
  const ns = (base: Record<string, unknown>) =>
    new Proxy(base, { get: (t, k) => (k in t ? t[k as string] : typeof k === 'string' ? noop : undefined) });
  const base = fake.vscode as unknown as Record<string, unknown>;
  const window = base.window as Record<string, unknown>;
  const createOutputChannel = window.createOutputChannel as (n: string, o: unknown) => Record<string, unknown>;
  const extra: Record<string, unknown> = {
    version: '1.91.0',
    env: ns({ ...(base.env as object), appName: 'Fake Code', language: 'en', openExternal: async () => true }),
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    Disposable: class {
      static from() {
        return disposable();
      }
      constructor(private readonly fn: () => void) {}
      dispose() {
        this.fn();
      }
    },
    window: ns({
      ...window,
      visibleTextEditors: [],
      createOutputChannel: (n: string, o: unknown) => ({ ...createOutputChannel(n, o), logLevel: 3, onDidChangeLogLevel: noop, replace: () => undefined, clear: () => undefined, hide: () => undefined }),
    }),
    workspace: ns({ ...(base.workspace as object), textDocuments: [], notebookDocuments: [] }),
    languages: ns({ match: () => 0 }),
    commands: ns(base.commands as Record<string, unknown>),
  };
  return new Proxy(base, {
    get: (t, k) => {
      if (typeof k !== 'string') return undefined;
      if (k in extra) return extra[k];
      if (k in t) return t[k];
      // An API class the library extends or instantiates but this test never uses.
      return class {};
    },
  });
}

describe('the bundle with the real vscode-languageclient and a server process', () => {
  let fake: FakeVscode;
  let original: Loader;
  let tmp: string;
  let logFile: string;
  let ext: { activate(ctx: unknown): Promise<void>; deactivate(): Promise<void> };
  const context = { subscriptions: [] as { dispose(): unknown }[] };
  const events = () =>
    fs.existsSync(logFile)
      ? fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; data: unknown })
      : [];

  before(() => {
    assert.ok(fs.existsSync(bundle), `${bundle} is missing: run npm run bundle`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lessonl-bundle-'));
    logFile = path.join(tmp, 'events.jsonl');
    const serverScript = path.join(root, 'out', 'test', 'fixtures', 'server.js');
    const wrapper = path.join(tmp, 'lessonl');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${serverScript}" "$@"\n`);
    fs.chmodSync(wrapper, 0o755);
    process.env.LESSONL_FAKE_LOG = logFile;

    fake = createFakeVscode();
    fake.settings.global['lessonl.serverPath'] = wrapper;
    fake.settings.global['lessonl.rounds'] = 1;
    fake.settings.global['lessonl.models'] = ['qwen2.5-coder:7b'];
    fake.answerWith((s) => (s.items.includes('Apply') ? 'Apply' : undefined));
    const vscode = languageClientVscode(fake);
    original = mod._load;
    mod._load = function (request, parent, isMain) {
      return request === 'vscode' ? vscode : original.call(this, request, parent, isMain);
    };
    ext = require(bundle);
  });

  after(async () => {
    if (process.env.DEBUG_BUNDLE) console.error(fake.logLines.join('\n'));
    await ext?.deactivate().catch(() => undefined);
    for (const d of context.subscriptions) d.dispose();
    mod._load = original;
    delete process.env.LESSONL_FAKE_LOG;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('activates, starts the server with the mapped settings and registers both command sets', async () => {
    await ext.activate(context);
    for (const id of [...Object.values(ClientCommand), ...SERVER_COMMANDS]) assert.ok(fake.registered.has(id), `${id} registered`);
    const init = events().find((e) => e.event === 'initialize')!;
    assert.deepEqual(init.data, { initializationOptions: { models: ['qwen2.5-coder:7b'], rounds: 1 } });
    await waitFor(() => events().some((e) => e.event === 'configuration'), 'workspace/configuration answered');
    assert.deepEqual(events().find((e) => e.event === 'configuration')!.data, [{ models: ['qwen2.5-coder:7b'], rounds: 1 }]);
    await waitFor(() => events().some((e) => e.event === 'didChangeConfiguration'), 'initial didChangeConfiguration');
    assert.deepEqual(events().find((e) => e.event === 'didChangeConfiguration')!.data, {
      settings: { lessonl: { models: ['qwen2.5-coder:7b'], rounds: 1 } },
    });
    assert.equal((fake.statusItems[0] as { text: string }).text, '$(zap) LessonL');
  });

  it('lessonl.optimize from a code action runs through the notification, then Apply goes to the server', async () => {
    const args = { uri: 'file:///w/sum.go', position: { line: 2, character: 5 } };
    // What VS Code does when the user picks the server's code action.
    const answer = await fake.vscode.commands.executeCommand(ServerCommand.optimize, args);
    assert.equal((answer as { speedup: number }).speedup, 1.5);
    const run = fake.progressRuns[0];
    assert.equal(run.options.cancellable, true);
    assert.deepEqual(run.reports, [
      { message: 'starting…' },
      { message: 'Optimizing Sum' },
      { message: 'round 1/1 · scripted · 1.50×', increment: 50 },
      { message: 'completed', increment: 50 },
    ]);
    const optimize = events().find((e) => e.event === 'executeCommand')!.data;
    assert.deepEqual(optimize, { command: 'lessonl.optimize', arguments: [args], hasToken: true });

    await waitFor(() => events().some((e) => e.event === 'executeCommand' && (e.data as { command: string }).command === 'lessonl.apply'), 'apply');
    const diff = fake.executed.find((e) => e.id === 'vscode.diff')!;
    assert.equal((diff.args[1] as Uri).scheme, DIFF_SCHEME);
    const apply = events().filter((e) => e.event === 'executeCommand')[1].data;
    assert.deepEqual(apply, { command: 'lessonl.apply', arguments: [{ uri: 'file:///w/sum.go', func: 'Sum', variant: 'func Sum() { /* fast */ }' }], hasToken: false });
  });

  it('cancelling the notification cancels the request on the wire ($/cancelRequest)', async () => {
    const runs = fake.progressRuns.length;
    const running = fake.vscode.commands.executeCommand(ServerCommand.optimize, { uri: 'file:///w/slow.go', position: { line: 0, character: 0 } });
    await waitFor(() => fake.progressRuns[runs]?.reports.length === 2, 'the slow run began');
    fake.progressRuns[runs].cancel();
    assert.equal(await running, undefined);
    await waitFor(() => events().some((e) => e.event === 'cancelled'), 'the server saw the cancellation');
    assert.equal(fake.shown.filter((s) => s.level === 'error').length, 0, 'a cancelled run is not an error');
  });

  it('a settings change is pushed live', async () => {
    const before = events().filter((e) => e.event === 'didChangeConfiguration').length;
    fake.changeSetting('global', 'lessonl.scope', 'project');
    await waitFor(() => events().filter((e) => e.event === 'didChangeConfiguration').length > before, 'pushed');
    const last = events().filter((e) => e.event === 'didChangeConfiguration').pop()!;
    assert.deepEqual(last.data, { settings: { lessonl: { models: ['qwen2.5-coder:7b'], rounds: 1, scope: 'project' } } });
  });

  it('deactivate shuts the server down', async () => {
    await ext.deactivate();
    await waitFor(() => events().some((e) => e.event === 'exit'), 'exit');
    assert.ok(events().some((e) => e.event === 'shutdown'));
  });
});
