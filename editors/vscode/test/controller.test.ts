// The extension's behaviour end to end, minus VS Code itself: the Controller runs
// against the fake `vscode` surface, and talks real JSON-RPC to a scripted server.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import type * as vscode from 'vscode';
import { ClientSpec, Controller, VS } from '../src/controller';
import { ClientCommand, ContextKey, DIFF_SCHEME, INSTALL_COMMAND } from '../src/ids';
import { FakeVscode, TabInputTextDiff, Uri, createFakeVscode } from './helpers/fakeVscode';
import { Pair, lspPair, untilCancelled, waitUntil } from './helpers/lspPair';

const SUM_URI = 'file:///w/sum.go';
const SUM_TEXT = 'package sum\n\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n';
const FASTER = {
  verdict: 'faster',
  speedup: 2.314,
  speedup_low: 2.2,
  speedup_high: 2.43,
  func: 'Sum',
  uri: SUM_URI,
  agent: 'qwen2.5-coder:7b',
  round: 2,
  original: 'func Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}',
  variant: 'func Sum(xs []int) int {\n\ts := 0\n\tfor i := range xs {\n\t\ts += xs[i]\n\t}\n\treturn s\n}',
  report_uri: 'file:///w/.lessonl/reports/sum.md',
};

interface Setup {
  fake: FakeVscode;
  pair: Pair;
  ctl: Controller;
  specs: ClientSpec[];
  subscriptions: { dispose(): unknown }[];
}

const open: Setup[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    for (const d of s.subscriptions) d.dispose();
    await s.ctl.stop().catch(() => undefined);
    s.pair.dispose();
  }
});

async function setup(opts: { binary?: boolean; settings?: Record<string, unknown>; answer?: (m: string, items: string[]) => string | undefined } = {}): Promise<Setup> {
  const fake = createFakeVscode();
  Object.assign(fake.settings.global, opts.settings ?? {});
  if (opts.answer) fake.answerWith((s) => opts.answer!(s.message, s.items));
  const pair = lspPair();
  const specs: ClientSpec[] = [];
  const context = fake.context();
  const ctl = new Controller(fake.vscode as unknown as VS, context as unknown as vscode.ExtensionContext, {
    createClient: (spec) => {
      specs.push(spec);
      return pair.client;
    },
    env: { PATH: '/opt/bin' },
    platform: 'linux',
    home: '/home/u',
    isExecutable: (f) => opts.binary !== false && f === '/opt/bin/lessonl',
  });
  const s = { fake, pair, ctl, specs, subscriptions: context.subscriptions };
  open.push(s);
  await ctl.start();
  return s;
}

function status(fake: FakeVscode) {
  return fake.statusItems[0] as { text: string; tooltip: string; command: string; visible: boolean; backgroundColor?: { id: string } };
}

function contextValue(fake: FakeVscode, key: string): unknown {
  const sets = fake.executed.filter((e) => e.id === 'setContext' && e.args[0] === key);
  return sets[sets.length - 1]?.args[1];
}

function diffCalls(fake: FakeVscode) {
  return fake.executed.filter((e) => e.id === 'vscode.diff');
}

describe('activation', () => {
  it('registers every command, one status item and a log channel, and starts "<serverPath> serve"', async () => {
    const { fake, ctl, specs } = await setup();
    assert.deepEqual([...fake.registered.keys()].sort(), Object.values(ClientCommand).sort());
    assert.equal(fake.statusItems.length, 1);
    assert.equal(status(fake).visible, true);
    assert.equal(status(fake).text, '$(zap) LessonL');
    assert.equal(specs.length, 1);
    assert.equal(specs[0].serverPath, '/opt/bin/lessonl');
    assert.ok(fake.providers.has(DIFF_SCHEME));
    assert.equal(ctl.running, true);
    assert.ok(fake.logLines.includes('info: starting /opt/bin/lessonl serve'));
  });

  it('a missing binary: names the install command, offers settings, and commands explain', async () => {
    const { fake, ctl, specs } = await setup({ binary: false, answer: (m, items) => (items.includes('Open Settings') && m.includes('find') ? 'Open Settings' : undefined) });
    assert.equal(specs.length, 0);
    assert.equal(ctl.running, false);
    await waitUntil(() => fake.executed.some((e) => e.id === 'workbench.action.openSettings'), 'settings opened');
    const warning = fake.shown.find((s) => s.level === 'warning')!;
    assert.ok(warning.message.includes(INSTALL_COMMAND), warning.message);
    assert.deepEqual(warning.items, ['Open Settings', 'Copy Install Command']);
    assert.deepEqual(fake.executed.find((e) => e.id === 'workbench.action.openSettings')!.args, ['lessonl.serverPath']);
    assert.equal(status(fake).text, '$(warning) LessonL: server not found');
    assert.equal(status(fake).backgroundColor?.id, 'statusBarItem.warningBackground');

    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 2]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    assert.match(fake.shown[fake.shown.length - 1].message, /the lessonl binary was not found\. See the log, fix it, then run "LessonL: Restart Server"/);
  });

  it('"Copy Install Command" puts the command on the clipboard', async () => {
    const { fake } = await setup({ binary: false, answer: (_m, items) => (items.includes('Copy Install Command') ? 'Copy Install Command' : undefined) });
    await waitUntil(() => fake.clipboard.length > 0, 'clipboard');
    assert.deepEqual(fake.clipboard, [INSTALL_COMMAND]);
  });

  it('a server that fails to start is reported with the log', async () => {
    const fake = createFakeVscode();
    const context = fake.context();
    const ctl = new Controller(fake.vscode as unknown as VS, context as unknown as vscode.ExtensionContext, {
      createClient: () => ({
        start: async () => {
          throw new Error('spawn EACCES');
        },
        stop: async () => undefined,
        sendRequest: async () => undefined as never,
        sendNotification: async () => undefined,
        onProgress: () => ({ dispose: () => undefined }),
      }),
      env: { PATH: '/opt/bin' },
      platform: 'linux',
      home: '/home/u',
      isExecutable: () => true,
    });
    await ctl.start();
    assert.equal(ctl.running, false);
    const err = fake.shown.find((s) => s.level === 'error')!;
    assert.match(err.message, /couldn't start "\/opt\/bin\/lessonl serve": spawn EACCES\. Check that "\/opt\/bin\/lessonl version" runs in a terminal/);
    assert.deepEqual(err.items, ['Show Log']);
    assert.equal(status(fake).text, '$(error) LessonL');
  });
});

describe('server lifecycle', () => {
  it('a server that goes away is shown as an error, not as idle', async () => {
    const { fake, pair, ctl } = await setup();
    pair.killServer();
    await waitUntil(() => status(fake).text === '$(error) LessonL', 'error status');
    assert.equal(ctl.running, false);
    assert.match(status(fake).tooltip, /the language server stopped; see LessonL: Show Log, then run LessonL: Restart Server/);
  });

  it('stopping it ourselves is not an error', async () => {
    const { fake, ctl } = await setup();
    await ctl.stop();
    assert.equal(status(fake).text, '$(zap) LessonL');
    assert.equal(fake.logLines.filter((l) => l.startsWith('error:')).length, 0);
  });
});

describe('optimize', () => {
  it('runs in a cancellable notification mirroring the server, opens the diff, and applies through the server', async () => {
    const { fake, pair } = await setup({ answer: (_m, items) => (items.includes('Apply') ? 'Apply' : undefined) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    pair.server.scripts['lessonl.optimize'] = async (_args, { progress }) => {
      await progress({ kind: 'begin', title: 'Optimizing Sum', cancellable: true, percentage: 0 });
      await progress({ kind: 'report', message: 'round 2/4 · qwen2.5-coder:7b · 1.84× [1.79, 1.90]', percentage: 50 });
      await gate;
      await progress({ kind: 'end', message: 'completed' });
      return FASTER;
    };
    pair.server.scripts['lessonl.apply'] = () => ({ applied: true });
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [4, 3]);

    const running = fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.progressRuns[0]?.reports.length === 3, 'progress reports');
    const run = fake.progressRuns[0];
    assert.deepEqual(run.options, { location: 15, title: 'LessonL', cancellable: true });
    assert.equal(status(fake).text, '$(sync~spin) LessonL: round 2/4 · qwen2.5-coder:7b · 1.84× [1.79, 1.9…');
    assert.equal(status(fake).command, ClientCommand.cancelRun);
    assert.equal(contextValue(fake, ContextKey.running), true);
    release();
    assert.deepEqual(await running, FASTER);

    assert.deepEqual(run.reports, [
      { message: 'starting…' },
      { message: 'Optimizing Sum' },
      { message: 'round 2/4 · qwen2.5-coder:7b · 1.84× [1.79, 1.90]', increment: 50 },
      { message: 'completed', increment: 50 },
    ]);
    assert.equal(run.done, true);
    const [call] = pair.server.callsOf('lessonl.optimize');
    assert.deepEqual(call.args, [{ uri: SUM_URI, position: { line: 4, character: 3 } }]);
    assert.ok(call.workDoneToken, 'the run carries our work done token');

    // The diff opened before anything was written.
    await waitUntil(() => pair.server.callsOf('lessonl.apply').length === 1, 'apply');
    const [diff] = diffCalls(fake);
    const [left, right, title] = diff.args as [Uri, Uri, string];
    assert.equal(left.scheme, DIFF_SCHEME);
    assert.equal(left.path, '/1/original/sum.go');
    assert.equal(right.path, '/1/variant/sum.go');
    assert.equal(title, 'Sum: original ↔ best variant (2.31×)');
    const provider = fake.providers.get(DIFF_SCHEME)!;
    const question = fake.shown.find((s) => s.items.includes('Apply'))!;
    assert.equal(question.message, 'LessonL: Sum is 2.31× faster ([2.20, 2.43] · qwen2.5-coder:7b, round 2). Apply the variant?');
    assert.deepEqual(question.items, ['Apply', 'Discard', 'Open Report']);

    assert.deepEqual(pair.server.callsOf('lessonl.apply')[0].args, [{ uri: SUM_URI, func: 'Sum', variant: FASTER.variant }]);
    await waitUntil(() => fake.tabs.length === 0, 'the diff editor closes after applying');
    // The server announces the apply (window/showMessage); the extension does not repeat it.
    assert.equal(fake.shown.some((s) => s.message.includes('applied')), false, 'no second "applied" message');
    assert.equal(provider.provideTextDocumentContent(right), '', 'the applied variant is forgotten');
    assert.equal(contextValue(fake, ContextKey.hasVariant), false);
    assert.equal(contextValue(fake, ContextKey.running), false);
    assert.equal(status(fake).text, '$(zap) LessonL');
  });

  it('the diff documents hold the original and the variant while pending; Discard writes nothing', async () => {
    let press: string | undefined;
    const { fake, pair } = await setup({ answer: (_m, items) => (items.includes('Discard') ? press : undefined) });
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.shown.length === 1, 'question');
    const [left, right] = diffCalls(fake)[0].args as [Uri, Uri];
    const provider = fake.providers.get(DIFF_SCHEME)!;
    assert.equal(provider.provideTextDocumentContent(left), FASTER.original);
    assert.equal(provider.provideTextDocumentContent(right), FASTER.variant);
    assert.equal(status(fake).text, '⚡ 2.31×');
    assert.equal(status(fake).command, ClientCommand.showDiff);
    assert.equal(contextValue(fake, ContextKey.hasVariant), true);

    // The editor title's Discard button passes the diff document's URI.
    await fake.vscode.commands.executeCommand(ClientCommand.discardVariant, right);
    assert.equal(pair.server.callsOf('lessonl.apply').length, 0);
    assert.equal(fake.tabs.length, 0);
    assert.equal(provider.provideTextDocumentContent(right), '');
    assert.equal(contextValue(fake, ContextKey.hasVariant), false);
    press = undefined;
  });

  it('a dismissed question leaves the variant pending for Show Diff and Apply from the diff editor', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    pair.server.scripts['lessonl.apply'] = () => null;
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.shown.length === 1, 'question');
    assert.equal(pair.server.callsOf('lessonl.apply').length, 0);

    // Show Diff from the source file reopens the same pair.
    fake.tabs.splice(0);
    await fake.vscode.commands.executeCommand(ClientCommand.showDiff);
    assert.equal(diffCalls(fake).length, 2);
    assert.deepEqual(
      (diffCalls(fake)[1].args as Uri[]).slice(0, 2).map((u) => u.path),
      ['/1/original/sum.go', '/1/variant/sum.go'],
    );
    // Apply from the diff editor's title button.
    const right = (diffCalls(fake)[1].args as Uri[])[1];
    await fake.vscode.commands.executeCommand(ClientCommand.applyBest, right);
    assert.deepEqual(pair.server.callsOf('lessonl.apply')[0].args, [{ uri: SUM_URI, func: 'Sum', variant: FASTER.variant }]);
    assert.equal(fake.tabs.length, 0);
  });

  it('a late Apply on a variant a newer run replaced does nothing', async () => {
    const { fake, pair } = await setup();
    // The user answers each question only when the test says so.
    const answers: ((c: string | undefined) => void)[] = [];
    (fake.vscode.window as { showInformationMessage: unknown }).showInformationMessage = (message: string, ...items: string[]) => {
      fake.shown.push({ level: 'info', message, items });
      return new Promise<string | undefined>((resolve) => answers.push(resolve));
    };
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => answers.length === 1, 'first question');
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => answers.length === 2, 'second question');
    answers[0]('Apply'); // the user answers the stale question
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(pair.server.callsOf('lessonl.apply').length, 0);
    answers[1]('Apply');
    await waitUntil(() => pair.server.callsOf('lessonl.apply').length === 1, 'apply of the newest');
  });

  it('a selection is sent as a range', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.optimize'] = () => null;
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [8, 1], [2, 0]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    assert.deepEqual(pair.server.callsOf('lessonl.optimize')[0].args, [
      { uri: SUM_URI, range: { start: { line: 2, character: 0 }, end: { line: 8, character: 1 } } },
    ]);
  });

  it('refuses editors of other languages', async () => {
    const { fake, pair } = await setup();
    fake.openEditor('file:///w/a.py', 'python', 'def f(): pass\n', [0, 0]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    assert.equal(pair.server.calls.length, 0);
    assert.match(fake.shown[0].message, /Go, C and C\+\+ files; this editor's language is python/);
    fake.vscode.window.activeTextEditor = undefined;
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    assert.match(fake.shown[1].message, /open a Go, C or C\+\+ file/);
  });

  const outcomes: { name: string; answer: unknown; level: string; message: RegExp; status: string }[] = [
    { name: 'null: nothing better', answer: null, level: 'info', message: /^LessonL: no variant was verified faster than the original; nothing to apply\.$/, status: '$(zap) LessonL: no gain' },
    {
      name: 'build_failed: explained, never offered',
      answer: { ...FASTER, verdict: 'build_failed', speedup: 0 },
      level: 'warning',
      message: /^LessonL: the best variant of Sum did not build; nothing to apply\.$/,
      status: '$(zap) LessonL: build failed',
    },
    {
      name: 'same: informed with the measurement',
      answer: { ...FASTER, verdict: 'same', speedup: 1.01, speedup_low: 0.97, speedup_high: 1.05 },
      level: 'info',
      message: /no faster than the original \(1\.01× \[0\.97, 1\.05\]\)/,
      status: '$(zap) LessonL: same',
    },
    {
      name: 'malformed answer: an error naming the fix',
      answer: { verdict: 'faster' },
      level: 'error',
      message: /malformed: missing speedup, func, uri\. Update lessonl and this extension together\./,
      status: '$(zap) LessonL',
    },
  ];
  for (const c of outcomes) {
    it(c.name, async () => {
      const { fake, pair } = await setup();
      pair.server.scripts['lessonl.optimize'] = () => c.answer;
      fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
      await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
      await waitUntil(() => fake.shown.length === 1, 'message');
      assert.equal(fake.shown[0].level, c.level);
      assert.match(fake.shown[0].message, c.message);
      assert.equal(diffCalls(fake).length, 0, 'no diff for a result that cannot be applied');
      assert.equal(status(fake).text, c.status);
    });
  }

  it('a server error is shown with the log button', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.optimize'] = () => {
      throw new ResponseError(-32603, 'Ollama not reachable at http://127.0.0.1:11434: start it with `ollama serve`');
    };
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.shown.length === 1, 'error');
    assert.deepEqual(fake.shown[0], {
      level: 'error',
      message: 'LessonL: the optimization failed: Ollama not reachable at http://127.0.0.1:11434: start it with `ollama serve`',
      items: ['Show Log'],
    });
    assert.equal(fake.progressRuns[0].done, true);
  });

  it('an apply through the server\'s own lens or code action clears the pending variant', async () => {
    const { fake, pair, ctl } = await setup();
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.shown.length === 1, 'question');
    ctl.applied([{ uri: SUM_URI, func: 'Other' }], null);
    assert.equal(contextValue(fake, ContextKey.hasVariant), true, 'another function: still pending');
    ctl.applied([{ uri: SUM_URI, func: 'Sum' }], { applied: false });
    assert.equal(contextValue(fake, ContextKey.hasVariant), true, 'refused: still pending');
    ctl.applied([{ uri: SUM_URI, func: 'Sum' }], { applied: true });
    await waitUntil(() => fake.tabs.length === 0, 'diff closed');
    assert.equal(contextValue(fake, ContextKey.hasVariant), false);
  });

  it('apply refused by the server keeps the variant and says why', async () => {
    const { fake, pair } = await setup({ answer: (_m, items) => (items.includes('Apply') ? 'Apply' : undefined) });
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    pair.server.scripts['lessonl.apply'] = () => {
      throw new ResponseError(-32803, 'Sum changed since the run started; run LessonL again');
    };
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.shown.some((s) => s.level === 'error'), 'error');
    assert.equal(fake.shown.find((s) => s.level === 'error')!.message, "LessonL: couldn't apply the variant of Sum: Sum changed since the run started; run LessonL again");
    assert.equal(contextValue(fake, ContextKey.hasVariant), true);
    assert.equal(fake.tabs.length, 1, 'the diff stays open');
  });

  it('an editor that refuses the edit (applied: false) is logged, not shown a second time', async () => {
    const { fake, pair } = await setup({ answer: (_m, items) => (items.includes('Apply') ? 'Apply' : undefined) });
    pair.server.scripts['lessonl.optimize'] = () => FASTER;
    pair.server.scripts['lessonl.apply'] = () => ({ applied: false, failureReason: 'document version changed' });
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    await fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => pair.server.callsOf('lessonl.apply').length === 1, 'apply');
    await waitUntil(() => fake.logLines.some((l) => l.includes('not applied')), 'logged');
    assert.ok(fake.logLines.includes('warn: the variant of Sum was not applied: document version changed'), fake.logLines.join('\n'));
    // The server showed the refusal (window/showMessage); no second warning.
    assert.equal(fake.shown.some((s) => s.level === 'warning'), false);
    assert.equal(contextValue(fake, ContextKey.hasVariant), true);
  });
});

describe('cancel', () => {
  it('the notification\'s Cancel sends $/cancelRequest and closes at once', async () => {
    const { fake, pair } = await setup();
    let finish!: () => void;
    const serverDone = new Promise<void>((r) => (finish = r));
    const inner = untilCancelled((progress) => progress({ kind: 'begin', title: 'Optimizing Sum', cancellable: true }));
    pair.server.scripts['lessonl.optimize'] = async (args, ctx) => {
      try {
        return await inner(args, ctx);
      } finally {
        finish();
      }
    };
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    const running = fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.progressRuns[0]?.reports.length === 2, 'begin');
    fake.progressRuns[0].cancel();
    assert.equal(await running, undefined);
    assert.equal(fake.progressRuns[0].done, true);
    await serverDone;
    await waitUntil(() => status(fake).text === '$(zap) LessonL', 'idle after the server stopped');
    assert.equal(pair.server.callsOf('lessonl.optimize')[0].cancelled, true);
    assert.equal(fake.shown.length, 0, 'a cancelled run is not an error');
    assert.equal(contextValue(fake, ContextKey.running), false);
  });

  it('LessonL: Cancel cancels every run and tells the server', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.optimize'] = untilCancelled((p) => p({ kind: 'begin', title: 'Optimizing' }));
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [3, 1]);
    const a = fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    const b = fake.vscode.commands.executeCommand(ClientCommand.optimizeFunction);
    await waitUntil(() => fake.progressRuns.length === 2 && fake.progressRuns.every((r) => r.reports.length === 2), 'two runs');
    assert.equal(status(fake).text, '$(sync~spin) LessonL: Optimizing (+1)');
    await fake.vscode.commands.executeCommand(ClientCommand.cancelRun);
    assert.deepEqual(await Promise.all([a, b]), [undefined, undefined]);
    await waitUntil(() => pair.server.callsOf('lessonl.optimize').every((c) => c.cancelled), 'both cancelled');
    assert.equal(pair.server.callsOf('lessonl.cancel').length, 1);
  });

  it('with nothing running says so', async () => {
    const { fake, pair } = await setup();
    await fake.vscode.commands.executeCommand(ClientCommand.cancelRun);
    assert.equal(fake.shown[0].message, 'LessonL: no optimization is running.');
    assert.equal(pair.server.calls.length, 0);
  });
});

describe('configuration', () => {
  it('initializationOptions and didChangeConfiguration carry only the mapped, explicit settings', async () => {
    const { fake, pair, specs, ctl } = await setup({ settings: { 'lessonl.rounds': 2, 'lessonl.serverPath': '/opt/bin/lessonl', 'lessonl.store': '~/bank' } });
    assert.deepEqual(specs[0].initializationOptions(), { rounds: 2, store: '/home/u/bank' });
    fake.settings.global['lessonl.scope'] = 'project';
    await ctl.sendConfig();
    await waitUntil(() => pair.server.notifications.some((n) => n.method === 'workspace/didChangeConfiguration'), 'notification');
    assert.deepEqual(pair.server.notifications.find((n) => n.method === 'workspace/didChangeConfiguration')!.params, {
      settings: { lessonl: { rounds: 2, scope: 'project', store: '/home/u/bank' } },
    });
  });

  it('bad settings are reported once, with the fix, and skipped', async () => {
    const { fake, specs, ctl } = await setup({ settings: { 'lessonl.rounds': 0, 'lessonl.timeout': '5 min' } });
    const warnings = fake.shown.filter((s) => s.level === 'warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /lessonl\.rounds is 0: it is out of range\. Set it to an integer from 1 to 50/);
    assert.match(warnings[0].message, /lessonl\.timeout is "5 min"/);
    assert.deepEqual(warnings[0].items, ['Open Settings']);
    assert.deepEqual(specs[0].initializationOptions(), {});
    await ctl.sendConfig();
    assert.equal(fake.shown.filter((s) => s.level === 'warning').length, 1, 'not repeated while unchanged');
  });

  it('changing lessonl.serverPath restarts the server', async () => {
    const { fake, pair, specs } = await setup();
    assert.equal(specs.length, 1);
    fake.changeSetting('global', 'lessonl.serverPath', '/opt/bin/lessonl');
    await waitUntil(() => specs.length === 2, 'restart');
    await waitUntil(() => pair.server.notifications.filter((n) => n.method === 'exit').length === 1, 'old server told to exit');
    assert.ok(fake.logLines.includes('info: lessonl.serverPath changed: restarting the server'));
  });
});

describe('lessons and store', () => {
  it('Show Lessons names the function from document symbols and shows the answer', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.showLessons'] = () => [{ text: 'Index instead of range.', outcome: 'faster', speedup: 2.31, agent: 'qwen', round: 2 }];
    fake.setSymbols([
      { name: '(*Cache).Get', kind: 5, range: { start: { line: 10, character: 0 }, end: { line: 20, character: 1 } } },
      { name: 'Sum', kind: 11, location: { range: { start: { line: 2, character: 0 }, end: { line: 8, character: 1 } } } },
    ]);
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [4, 2]);
    await fake.vscode.commands.executeCommand(ClientCommand.lessons);
    assert.deepEqual(pair.server.callsOf('lessonl.showLessons')[0].args, [{ uri: SUM_URI, func: 'Sum' }]);
    const doc = fake.openedDocs[0];
    assert.equal(doc.languageId, 'markdown');
    assert.equal(doc.text, '# LessonL: lessons for Sum\n\n- **faster 2.31×** · qwen, round 2\n  Index instead of range.\n');
  });

  it('without symbols it asks, prefilled with the word under the cursor', async () => {
    const { fake, pair } = await setup();
    pair.server.scripts['lessonl.showLessons'] = () => null;
    fake.setSymbols(undefined);
    fake.openEditor(SUM_URI, 'go', SUM_TEXT, [2, 6]);
    await fake.vscode.commands.executeCommand(ClientCommand.lessons);
    assert.deepEqual(pair.server.callsOf('lessonl.showLessons')[0].args, [{ uri: SUM_URI, func: 'Sum' }]);
    assert.equal(fake.openedDocs.length, 0, 'null: the server showed them itself');
  });

  it('Open Lesson Store reveals the configured directory, or explains', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lessonl-store-'));
    try {
      const { fake } = await setup({ settings: { 'lessonl.store': dir } });
      await fake.vscode.commands.executeCommand(ClientCommand.openStore);
      const reveal = fake.executed.find((e) => e.id === 'revealFileInOS')!;
      assert.equal((reveal.args[0] as Uri).fsPath, dir);

      fake.settings.global['lessonl.store'] = path.join(dir, 'absent');
      await fake.vscode.commands.executeCommand(ClientCommand.openStore);
      assert.match(fake.shown[fake.shown.length - 1].message, /there is no lesson store at .*absent yet; the first optimization creates it/);

      fake.settings.global['lessonl.store'] = '';
      await fake.vscode.commands.executeCommand(ClientCommand.openStore);
      assert.match(fake.shown[fake.shown.length - 1].message, /neither lessonl\.store nor LESSONL_HOME is set/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Show Log shows the channel', async () => {
    const { fake } = await setup();
    await fake.vscode.commands.executeCommand(ClientCommand.showLog);
    assert.ok(fake.logLines.includes('<shown>'));
  });
});

// The diff tabs the fake opens are real TabInputTextDiff objects of the fake module.
void TabInputTextDiff;
