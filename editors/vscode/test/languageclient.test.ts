// The real vscode-languageclient 11 features that matter to the extension, loaded
// with the fake `vscode` module: how it registers the server's commands next to
// ours, and how our middleware changes its configuration traffic.
import assert from 'node:assert/strict';
import Module from 'node:module';
import { after, before, describe, it } from 'node:test';
import { ExecuteCommandRequest } from 'vscode-languageserver-protocol';
import type { Middleware } from 'vscode-languageclient';
import { buildMiddleware, documentSelector, experimentalCapabilities, isServerLogLine } from '../src/clientOptions';
import { ServerConfig, didChangeConfigurationParams } from '../src/config';
import { ClientCommand, ServerCommand } from '../src/ids';
import { FakeVscode, createFakeVscode } from './helpers/fakeVscode';
import { SERVER_COMMANDS } from './helpers/lspPair';

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Loader };
let fake: FakeVscode;
let original: Loader;

before(() => {
  fake = createFakeVscode();
  original = mod._load;
  mod._load = function (request, parent, isMain) {
    return request === 'vscode' ? fake.vscode : original.call(this, request, parent, isMain);
  };
});
after(() => {
  mod._load = original;
});

function hooks(config: ServerConfig = {}) {
  const calls = { optimize: [] as unknown[][], sendConfig: 0, applied: [] as { args: unknown[]; answer: unknown }[] };
  return {
    calls,
    hooks: {
      optimize: async (args: unknown[]) => {
        calls.optimize.push(args);
        return { verdict: 'faster' };
      },
      serverConfig: () => config,
      sendConfig: async () => {
        calls.sendConfig++;
      },
      applied: (args: unknown[], answer: unknown) => void calls.applied.push({ args, answer }),
    },
  };
}

describe('vscode-languageclient ExecuteCommandFeature', () => {
  it('registers the server commands beside the client commands and routes lessonl.optimize to us', async () => {
    const { ExecuteCommandFeature } = require('vscode-languageclient/$test/common/executeCommand') as typeof import('vscode-languageclient/$test/common/executeCommand');
    // The extension's own commands are registered first, at activation.
    for (const id of Object.values(ClientCommand)) fake.vscode.commands.registerCommand(id, () => id);
    const sent: { method: string; params: unknown }[] = [];
    const h = hooks();
    const client = {
      middleware: buildMiddleware(h.hooks),
      sendRequest: async (type: { method: string }, params: unknown) => {
        sent.push({ method: type.method, params });
        return 'from-server';
      },
      handleFailedRequest: (_t: unknown, _x: unknown, err: unknown) => {
        throw err;
      },
    };
    const feature = new ExecuteCommandFeature(client as never);
    // What the server announces in initialize.
    assert.doesNotThrow(() => feature.initialize({ executeCommandProvider: { commands: SERVER_COMMANDS } }));
    for (const id of SERVER_COMMANDS) assert.ok(fake.registered.has(id), `${id} registered by the client library`);

    const args = [{ uri: 'file:///w/sum.go', position: { line: 1, character: 2 } }];
    assert.deepEqual(await fake.vscode.commands.executeCommand(ServerCommand.optimize, ...args), { verdict: 'faster' });
    assert.deepEqual(h.calls.optimize, [args], 'a code action or lens running lessonl.optimize gets our progress UI');
    assert.deepEqual(sent, [], 'lessonl.optimize is not sent by the library itself');

    assert.equal(await fake.vscode.commands.executeCommand(ServerCommand.apply, { uri: 'u', func: 'Sum' }), 'from-server');
    assert.deepEqual(sent, [{ method: ExecuteCommandRequest.method, params: { command: 'lessonl.apply', arguments: [{ uri: 'u', func: 'Sum' }] } }]);
    assert.deepEqual(h.calls.applied, [{ args: [{ uri: 'u', func: 'Sum' }], answer: 'from-server' }], 'the extension hears of applies it did not start');
    assert.equal(await fake.vscode.commands.executeCommand(ServerCommand.showReport, { uri: 'u', func: 'Sum' }), 'from-server');
    assert.equal(h.calls.applied.length, 1);

    feature.clear();
    for (const id of SERVER_COMMANDS) assert.ok(!fake.registered.has(id), `${id} unregistered on stop`);
    for (const id of Object.values(ClientCommand)) assert.ok(fake.registered.has(id), `${id} kept`);
  });

  it('a client command with a server id would make the library fail (why the ids differ)', () => {
    const { ExecuteCommandFeature } = require('vscode-languageclient/$test/common/executeCommand') as typeof import('vscode-languageclient/$test/common/executeCommand');
    const d = fake.vscode.commands.registerCommand(ServerCommand.apply, () => undefined);
    const feature = new ExecuteCommandFeature({ middleware: {} } as never);
    assert.throws(() => feature.initialize({ executeCommandProvider: { commands: [ServerCommand.apply] } }), /already exists/);
    d.dispose();
  });
});

describe('vscode-languageclient configuration features with our middleware', () => {
  it('workspace/configuration: lessonl gets the mapped settings, other sections VS Code\'s', async () => {
    const { ConfigurationFeature } = require('vscode-languageclient/$test/common/configuration') as typeof import('vscode-languageclient/$test/common/configuration');
    fake.settings.global['editor.tabSize'] = 8;
    fake.settings.global['lessonl.serverPath'] = '/opt/lessonl'; // must not reach the server
    let handler: ((params: unknown, token: unknown) => unknown) | undefined;
    const feature = new ConfigurationFeature({
      middleware: buildMiddleware(hooks({ rounds: 2, models: ['m'] }).hooks),
      onRequest: (_type: unknown, h: typeof handler) => (handler = h),
      protocol2CodeConverter: { asUri: (u: string) => u },
    } as never);
    feature.initialize();
    const answer = await handler!({ items: [{ section: 'lessonl' }, { section: 'editor.tabSize' }, { section: 'lessonl.serverPath' }] }, undefined);
    assert.deepEqual(answer, [{ rounds: 2, models: ['m'] }, 8, null]);
  });

  it('didChangeConfiguration: our payload replaces the library\'s, initially and on every lessonl change', async () => {
    const { SyncConfigurationFeature } = require('vscode-languageclient/$test/common/configuration') as typeof import('vscode-languageclient/$test/common/configuration');
    const h = hooks();
    const client = {
      clientOptions: { synchronize: { configurationSection: 'lessonl' } },
      middleware: buildMiddleware(h.hooks) as Middleware,
      sendNotification: async () => assert.fail('the library must not send its own payload'),
      error: (msg: string, err: unknown) => assert.fail(`${msg}: ${err}`),
    };
    const feature = new SyncConfigurationFeature(client as never);
    feature.initialize();
    await new Promise((r) => setImmediate(r));
    assert.equal(h.calls.sendConfig, 1, 'initial push after start');
    fake.changeSetting('global', 'lessonl.rounds', 3);
    fake.changeSetting('global', 'editor.tabSize', 2);
    await new Promise((r) => setImmediate(r));
    assert.equal(h.calls.sendConfig, 2, 'one push per lessonl change, none for other sections');
    feature.clear();
  });
});

describe('client options', () => {
  it('documents: files and unsaved buffers of the server languages, never the diff documents', () => {
    assert.deepEqual(documentSelector(), [
      { scheme: 'file', language: 'go' },
      { scheme: 'untitled', language: 'go' },
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
      { scheme: 'file', language: 'cpp' },
      { scheme: 'untitled', language: 'cpp' },
    ]);
  });

  it('the payload shape the middleware sends', () => {
    assert.deepEqual(didChangeConfigurationParams({ scope: 'problem' }), { settings: { lessonl: { scope: 'problem' } } });
  });
});

describe('the server process', () => {
  it('stderr records of the server are dropped (they come as window/logMessage); other stderr text is not', () => {
    assert.equal(isServerLogLine('time=2026-12-02T18:34:14.834Z level=INFO msg=initialized client="" positionEncoding=utf-16'), true);
    assert.equal(isServerLogLine('time=2026-12-02T18:34:14.834Z level=WARN+2 msg="a b"'), true);
    assert.equal(isServerLogLine('panic: runtime error: index out of range [3] with length 3'), false);
    assert.equal(isServerLogLine('lessonl serve: --log-level "loud": want debug, info, warn or error'), false);
  });
  it('the client tells the server it presents the outcome of a run', () => {
    assert.deepEqual(experimentalCapabilities(), { lessonl: { showsOutcome: true } });
  });
});
