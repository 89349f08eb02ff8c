// A real-client test of `lessonl serve`: Microsoft's LSP client library (what
// VS Code's extension host uses) drives the real binary over stdio, against
// the scripted Ollama (`lessonl ollamatest`). It opens a Go file, asks for code
// actions, runs lessonl.optimize and follows its progress to the end, applies
// the variant (answering workspace/applyEdit), checks the hover, and cancels
// two runs: with $/cancelRequest (a CancellationTokenSource) and with
// window/workDoneProgress/cancel.
//
// Usage: LESSONL=/path/to/lessonl node client.mjs   (run.sh does it all)
import { spawn } from 'node:child_process';
import { mkdtempSync, cpSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import pkg from 'vscode-languageserver-protocol/node';

const { createProtocolConnection, StreamMessageReader, StreamMessageWriter, CancellationTokenSource, LSPErrorCodes } = pkg;

const here = dirname(fileURLToPath(import.meta.url));
const lessonl = process.env.LESSONL || 'lessonl';
const STEP_MS = Number(process.env.STEP_TIMEOUT_MS || 180000);
const children = [];

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
function step(name) {
  console.log(`-- ${name}`);
}
// within bounds a promise: every step of a real client has a deadline.
function within(p, what, ms = STEP_MS) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}
async function waitFor(cond, what, ms = STEP_MS) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// --- the scripted Ollama ---
async function startOllama() {
  const p = spawn(lessonl, ['ollamatest', '--script', join(here, 'ollama-script.json'), '--exit-on-stdin-close'], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(p);
  const rl = createInterface({ input: p.stdout });
  const line = await within(new Promise((res) => rl.once('line', res)), 'ollamatest to listen', 30000);
  const m = /listening on (http:\/\/\S+)/.exec(line);
  check(m, `unexpected first line from ollamatest: ${line}`);
  return m[1];
}

// --- a workspace the test may edit ---
const work = mkdtempSync(join(tmpdir(), 'lessonl-node-'));
cpSync(join(here, 'maxof'), join(work, 'maxof'), { recursive: true });
const file = join(work, 'maxof', 'maxof.go');
const uri = pathToFileURL(file).href;
// The buffer differs from the file on disk: the server must optimise the buffer.
const marker = '// unsaved: insertion sort';
let text = readFileSync(file, 'utf8').replace('\tfor i := 1;', `\t${marker}\n\tfor i := 1;`);
let version = 1;

const ollama = await startOllama();
let settings = { models: [`fast:1b@${ollama}`], rounds: 1, lessons: 2, timeout: '100s' };

// --- the server ---
step('start lessonl serve');
const server = spawn(lessonl, ['serve', '--store', join(work, 'store'), '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'pipe'] });
children.push(server);
let serverLog = '';
server.stderr.on('data', (d) => (serverLog += d));
const exited = new Promise((res) => server.on('exit', (code, sig) => res({ code, sig })));
const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));

const progress = new Map(); // token -> [values]
const created = [];
const messages = [];
const shown = [];
let refreshes = 0;
conn.onRequest('window/workDoneProgress/create', (p) => {
  created.push(p.token);
  return null;
});
conn.onNotification('$/progress', (p) => {
  if (!progress.has(p.token)) progress.set(p.token, []);
  progress.get(p.token).push(p.value);
});
conn.onNotification('window/showMessage', (p) => messages.push(p));
conn.onNotification('window/logMessage', () => {});
conn.onRequest('workspace/configuration', (p) => p.items.map((i) => (i.section === 'lessonl' ? settings : null)));
conn.onRequest('window/showDocument', (p) => {
  shown.push(p);
  return { success: true };
});
conn.onRequest('workspace/codeLens/refresh', () => {
  refreshes++;
  return null;
});
// Apply like an editor: refuse a stale version, apply, send didChange, answer.
conn.onRequest('workspace/applyEdit', (p) => {
  const tde = p.edit.documentChanges?.[0];
  if (!tde || tde.textDocument.uri !== uri) return { applied: false, failureReason: 'unexpected edit shape' };
  if (tde.textDocument.version !== version) return { applied: false, failureReason: `version ${tde.textDocument.version}, buffer at ${version}` };
  const ann = p.edit.changeAnnotations?.[tde.edits[0].annotationId];
  // Labelled, never asking again: the user chose Apply (VS Code turns
  // needsConfirmation into a Refactor Preview with every change unticked).
  check(ann && ann.label && ann.needsConfirmation === false, `the apply's annotation asks for a confirmation or has no label: ${JSON.stringify(p.edit.changeAnnotations)}`);
  text = applyEdits(text, tde.edits);
  version++;
  conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  return { applied: true };
});
conn.listen();

// offsetAt maps a UTF-16 position (JS strings are UTF-16) to an index.
function offsetAt(s, pos) {
  let line = 0;
  let i = 0;
  while (line < pos.line) {
    const n = s.indexOf('\n', i);
    if (n < 0) return s.length;
    i = n + 1;
    line++;
  }
  const end = s.indexOf('\n', i);
  return Math.min(i + pos.character, end < 0 ? s.length : end);
}
function applyEdits(s, edits) {
  const spans = edits.map((e) => ({ start: offsetAt(s, e.range.start), end: offsetAt(s, e.range.end), text: e.newText }));
  spans.sort((a, b) => b.start - a.start);
  for (const e of spans) s = s.slice(0, e.start) + e.text + s.slice(e.end);
  return s;
}
function lineOf(sub) {
  return text.slice(0, text.indexOf(sub)).split('\n').length - 1;
}
const ends = (tok) => (progress.get(tok) || []).filter((v) => v.kind === 'end');
function checkProgress(tok, outcome) {
  const vs = progress.get(tok) || [];
  check(vs.length >= 2 && vs[0].kind === 'begin' && vs[0].cancellable === true, `progress ${tok} does not begin cancellable: ${JSON.stringify(vs)}`);
  const end = vs[vs.length - 1];
  check(end.kind === 'end' && end.message.startsWith(outcome), `progress ${tok} ends ${JSON.stringify(end)}, want ${outcome}`);
  let last = -1;
  for (const v of vs.slice(1, -1)) {
    check(v.kind === 'report' && v.percentage >= last && v.percentage <= 100, `bad report ${JSON.stringify(v)}`);
    last = v.percentage;
  }
}

try {
  step('initialize');
  const init = await within(
    conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(work).href,
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        workspace: {
          applyEdit: true,
          configuration: true,
          workspaceEdit: { documentChanges: true, changeAnnotationSupport: { groupsOnLabel: true } },
          codeLens: { refreshSupport: true },
        },
        window: { workDoneProgress: true, showDocument: { support: true } },
        textDocument: {
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['refactor.rewrite'] } },
            dataSupport: true,
            resolveSupport: { properties: ['edit'] },
          },
        },
      },
      initializationOptions: settings,
    }),
    'initialize',
  );
  check(init.capabilities.positionEncoding === 'utf-16', `positionEncoding ${init.capabilities.positionEncoding}`);
  check(init.capabilities.executeCommandProvider.commands.includes('lessonl.optimize'), 'lessonl.optimize not advertised');
  conn.sendNotification('initialized', {});
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version, text } });

  step('code action');
  const at = { line: lineOf('copy(s, xs)'), character: 2 };
  let actions = await within(conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } }), 'codeAction');
  const optimize = actions.find((a) => a.title === 'Optimize with lessons');
  check(optimize && optimize.kind === 'refactor.rewrite' && optimize.command?.command === 'lessonl.optimize', `actions: ${JSON.stringify(actions)}`);

  step('executeCommand lessonl.optimize');
  const res = await within(conn.sendRequest('workspace/executeCommand', { command: optimize.command.command, arguments: optimize.command.arguments }), 'optimize');
  check(res && res.verdict === 'faster' && res.speedup > 1 && res.func === 'Max' && res.uri === uri && res.round === 1, `result ${JSON.stringify(res)}`);
  check(res.original.includes(marker), 'the server optimised the file on disk, not the buffer');
  check(existsSync(fileURLToPath(res.report_uri)), `no report at ${res.report_uri}`);
  check(created.length === 1, `the server created ${created.length} progress tokens, want 1`);
  await waitFor(() => ends(created[0]).length === 1, 'progress end');
  checkProgress(created[0], 'completed');
  check((progress.get(created[0]) || []).some((v) => /^round 1\/1 · fast:1b · [\d.]+× \[/.test(v.message || '')), 'no "round 1/1 · model · N× [a, b]" report');
  await waitFor(() => refreshes > 0, 'workspace/codeLens/refresh');

  step('hover shows the speedup');
  let hover = await within(conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: at }), 'hover');
  check(hover && hover.contents.kind === 'markdown' && hover.contents.value.includes(`${res.speedup.toFixed(2)}× faster`), `hover: ${JSON.stringify(hover)}`);

  step('code lens');
  const lenses = await within(conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }), 'codeLens');
  check(lenses.map((l) => l.command.title).join(' · ') === `⚡ ${res.speedup.toFixed(2)}× faster · Apply · Diff`, `lenses: ${JSON.stringify(lenses.map((l) => l.command.title))}`);

  step('apply (workspace/applyEdit)');
  actions = await within(conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } }), 'codeAction');
  const applyAction = actions.find((a) => a.title.startsWith('Apply optimized variant ('));
  check(applyAction && applyAction.data && !applyAction.edit, `no apply action to resolve: ${JSON.stringify(actions)}`);
  const resolved = await within(conn.sendRequest('codeAction/resolve', applyAction), 'codeAction/resolve');
  check(resolved.edit?.documentChanges?.[0]?.textDocument.version === version, `resolved apply action without a versioned edit: ${JSON.stringify(resolved)}`);
  const applied = await within(conn.sendRequest('workspace/executeCommand', { command: 'lessonl.apply', arguments: [{ uri, func: 'Max' }] }), 'apply');
  check(applied && applied.applied === true, `apply: ${JSON.stringify(applied)}`);
  check(text.includes('m := xs[0]') && !text.includes(marker), `buffer after apply:\n${text}`);
  hover = await within(conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lineOf('func Max'), character: 6 } }), 'hover');
  check(hover && hover.contents.value.includes('Applied') && hover.contents.value.includes(`${res.speedup.toFixed(2)}×`), `hover after apply: ${JSON.stringify(hover)}`);

  // Cancellation, twice, on runs whose model never answers.
  settings = { ...settings, models: [`hang:1b@${ollama}`] };
  conn.sendNotification('workspace/didChangeConfiguration', { settings: { lessonl: settings } });
  const other = { line: lineOf('func Other'), character: 6 };
  const started = (tok) => (progress.get(tok) || []).some((v) => (v.message || '').startsWith('round 1/1'));

  step('cancel with $/cancelRequest (CancellationTokenSource)');
  const cts = new CancellationTokenSource();
  const tok1 = 'node-cancel-request';
  const run1 = conn.sendRequest('workspace/executeCommand', { command: 'lessonl.optimize', arguments: [{ uri, position: other }], workDoneToken: tok1 }, cts.token);
  await waitFor(() => started(tok1), 'the first hanging run to start');
  cts.cancel();
  const err1 = await within(run1.then((v) => ({ resolved: v }), (e) => e), 'the cancelled request to answer');
  check(err1 && err1.code === LSPErrorCodes.RequestCancelled, `cancelled request answered ${JSON.stringify(err1)}`);
  await waitFor(() => ends(tok1).length === 1, 'the first run to end');
  checkProgress(tok1, 'canceled');

  step('cancel with window/workDoneProgress/cancel');
  const tok2 = 'node-progress-cancel';
  const run2 = conn.sendRequest('workspace/executeCommand', { command: 'lessonl.optimize', arguments: [{ uri, position: other }], workDoneToken: tok2 });
  await waitFor(() => started(tok2), 'the second hanging run to start');
  conn.sendNotification('window/workDoneProgress/cancel', { token: tok2 });
  const err2 = await within(run2.then((v) => ({ resolved: v }), (e) => e), 'the progress-cancelled request to answer');
  check(err2 && err2.code === LSPErrorCodes.RequestCancelled, `progress-cancelled request answered ${JSON.stringify(err2)}`);
  await waitFor(() => ends(tok2).length === 1, 'the second run to end');
  checkProgress(tok2, 'canceled');

  step('shutdown and exit');
  await within(conn.sendRequest('shutdown'), 'shutdown');
  conn.sendNotification('exit');
  const { code, sig } = await within(exited, 'the server to exit', 30000);
  check(code === 0, `the server exited with ${code} ${sig}`);
  console.log('PASS: the Node LSP client (vscode-languageserver-protocol) drove lessonl serve end to end');
} catch (e) {
  console.error(serverLog.split('\n').slice(-40).join('\n'));
  fail(e && e.stack ? e.stack : String(e));
} finally {
  conn.dispose();
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
