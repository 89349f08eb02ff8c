// executeWithProgress over real JSON-RPC (vscode-languageserver-protocol on both
// ends): the server sees our work done token, its $/progress reaches us in order,
// and cancelling our token sends $/cancelRequest, which the server observes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol';
import { execute, executeWithProgress, errorText, isCancellation } from '../src/lsp';
import { Pair, lspPair, untilCancelled, waitUntil } from './helpers/lspPair';

describe('executeWithProgress', () => {
  let pair: Pair;
  beforeEach(async () => {
    pair = lspPair();
    await pair.client.start();
  });
  afterEach(() => pair.dispose());

  it('sends a fresh work done token and delivers that run\'s progress in order', async () => {
    const values = [
      { kind: 'begin', title: 'Optimizing Sum', cancellable: true, percentage: 0 },
      { kind: 'report', message: 'round 1/2 · qwen · generating', percentage: 25 },
      { kind: 'report', message: 'round 2/2 · qwen · 1.84× [1.79, 1.90]', percentage: 75 },
      { kind: 'end', message: 'completed' },
    ];
    pair.server.scripts['lessonl.optimize'] = async (_args, { progress }) => {
      for (const v of values) await progress(v);
      return { verdict: 'faster', speedup: 1.84, func: 'Sum', uri: 'file:///w/sum.go' };
    };
    const got: unknown[] = [];
    const args = [{ uri: 'file:///w/sum.go', position: { line: 3, character: 4 } }];
    const answer = await executeWithProgress(pair.client, 'lessonl.optimize', args, (v) => got.push(v));
    assert.deepEqual(answer, { verdict: 'faster', speedup: 1.84, func: 'Sum', uri: 'file:///w/sum.go' });
    assert.deepEqual(got, values);
    const [call] = pair.server.callsOf('lessonl.optimize');
    assert.deepEqual(call.args, args);
    assert.match(String(call.workDoneToken), /^lessonl-[0-9a-f-]{36}$/);

    // A second run gets its own token, and progress sent to the first one's
    // token after it ended is not delivered to anyone.
    const second: unknown[] = [];
    pair.server.scripts['lessonl.optimize'] = async (_a, { progress }) => {
      await progress({ kind: 'begin', title: 'again' });
      return null;
    };
    assert.equal(await executeWithProgress(pair.client, 'lessonl.optimize', args, (v) => second.push(v)), null);
    const calls = pair.server.callsOf('lessonl.optimize');
    assert.notEqual(calls[1].workDoneToken, calls[0].workDoneToken);
    assert.deepEqual(second, [{ kind: 'begin', title: 'again' }]);
    assert.equal(got.length, values.length);
  });

  it('cancelling the token sends $/cancelRequest; the request rejects with RequestCancelled', async () => {
    pair.server.scripts['lessonl.optimize'] = untilCancelled((progress) => progress({ kind: 'begin', title: 'Optimizing', cancellable: true }));
    const cts = new CancellationTokenSource();
    const got: unknown[] = [];
    const running = executeWithProgress(pair.client, 'lessonl.optimize', [{}], (v) => got.push(v), cts.token);
    await waitUntil(() => got.length === 1, 'begin');
    cts.cancel();
    await assert.rejects(running, (err: unknown) => isCancellation(err));
    assert.equal(pair.server.callsOf('lessonl.optimize')[0].cancelled, true);
    assert.deepEqual(got, [
      { kind: 'begin', title: 'Optimizing', cancellable: true },
      { kind: 'end', message: 'canceled' },
    ]);
  });

  it('server errors surface with their message', async () => {
    pair.server.scripts['lessonl.apply'] = () => {
      throw new ResponseError(-32603, 'Sum changed since the run started; run LessonL again');
    };
    const err = await execute(pair.client, 'lessonl.apply', [{ uri: 'u', func: 'Sum' }]).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.equal(isCancellation(err), false);
    assert.equal(errorText(err), 'Sum changed since the run started; run LessonL again');
  });
});

describe('errorText', () => {
  it('explains an inactive connection', () => {
    assert.match(errorText(new ResponseError(-32096, 'Client is not running')), /not running \(see LessonL: Show Log\)/);
  });
  it('plain errors and values', () => {
    assert.equal(errorText(new Error('boom')), 'boom');
    assert.equal(errorText('str'), 'str');
  });
});
