// A scripted language server and a minimal client, connected by real JSON-RPC
// (vscode-languageserver-protocol over in-memory streams). The server records
// what it receives; tests script its answers to lessonl.* commands.
import { PassThrough } from 'node:stream';
import {
  CancellationToken,
  ExecuteCommandParams,
  LSPErrorCodes,
  ProtocolConnection,
  ResponseError,
  WorkDoneProgress,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { ServerClient } from '../../src/controller';

export interface Call {
  command: string;
  args: unknown[];
  workDoneToken?: string | number;
  cancelled: boolean;
}

export type CommandScript = (
  args: unknown[],
  ctx: { token: CancellationToken; progress: (value: unknown) => Promise<void>; call: Call },
) => Promise<unknown> | unknown;

export const SERVER_COMMANDS = ['lessonl.optimize', 'lessonl.apply', 'lessonl.cancel', 'lessonl.showLessons', 'lessonl.showReport'];

export class ScriptedServer {
  readonly calls: Call[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];
  initializeParams: unknown;
  scripts: Record<string, CommandScript> = {};

  constructor(readonly conn: ProtocolConnection) {
    conn.onRequest('initialize', (params: unknown) => {
      this.initializeParams = params;
      return { capabilities: { executeCommandProvider: { commands: SERVER_COMMANDS } }, serverInfo: { name: 'scripted' } };
    });
    conn.onRequest('shutdown', () => null);
    conn.onRequest('workspace/executeCommand', async (params: ExecuteCommandParams, token: CancellationToken) => {
      const call: Call = { command: params.command, args: params.arguments ?? [], workDoneToken: params.workDoneToken, cancelled: false };
      this.calls.push(call);
      token.onCancellationRequested(() => (call.cancelled = true));
      const script = this.scripts[params.command];
      if (!script) return null;
      const progress = async (value: unknown) => {
        if (params.workDoneToken !== undefined) await conn.sendProgress(WorkDoneProgress.type, params.workDoneToken, value as never);
      };
      return script(call.args, { token, progress, call });
    });
    for (const method of ['initialized', 'exit', 'workspace/didChangeConfiguration', 'window/workDoneProgress/cancel']) {
      conn.onNotification(method, (params: unknown) => {
        this.notifications.push({ method, params });
      });
    }
  }

  callsOf(command: string): Call[] {
    return this.calls.filter((c) => c.command === command);
  }
}

// A client over the connection with the surface the controller uses.
export class ConnectionClient implements ServerClient {
  started = false;
  private stateListeners: ((e: { oldState: number; newState: number }) => void)[] = [];
  constructor(readonly conn: ProtocolConnection) {
    // Like LanguageClient: a connection that closes under us means "stopped".
    conn.onClose(() => {
      for (const l of this.stateListeners) l({ oldState: 2, newState: 1 });
    });
  }
  onDidChangeState = (l: (e: { oldState: number; newState: number }) => void) => {
    this.stateListeners.push(l);
    return { dispose: () => (this.stateListeners = this.stateListeners.filter((x) => x !== l)) };
  };
  async start(): Promise<void> {
    await this.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    await this.conn.sendNotification('initialized', {});
    this.started = true;
  }
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.conn.sendRequest('shutdown');
    await this.conn.sendNotification('exit');
    for (const l of this.stateListeners) l({ oldState: 2, newState: 1 });
  }
  sendRequest<R>(method: string, param: unknown, token?: CancellationToken): Promise<R> {
    // Like LanguageClient: a missing token is not one more parameter.
    return token ? this.conn.sendRequest<R>(method, param, token) : this.conn.sendRequest<R>(method, param);
  }
  onProgress: ServerClient['onProgress'] = (type, token, handler) => this.conn.onProgress(type, token, handler);
  sendNotification(method: string, params: unknown): Promise<void> {
    return this.conn.sendNotification(method, params);
  }
}

export interface Pair {
  server: ScriptedServer;
  client: ConnectionClient;
  // Ends the server side, as a server process that exits.
  killServer(): void;
  dispose(): void;
}

export function lspPair(): Pair {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConn = createProtocolConnection(toServer, toClient);
  const clientConn = createProtocolConnection(toClient, toServer);
  const server = new ScriptedServer(serverConn);
  serverConn.listen();
  clientConn.listen();
  return {
    server,
    client: new ConnectionClient(clientConn),
    killServer() {
      serverConn.dispose();
      toClient.end();
    },
    dispose() {
      clientConn.dispose();
      serverConn.dispose();
      toServer.destroy();
      toClient.destroy();
    },
  };
}

// waitUntil polls a condition between event-loop turns; it fails after `turns`
// rounds of I/O rather than after a wall-clock time, so a loaded machine only
// makes it slower, never flaky.
export async function waitUntil(cond: () => boolean, what: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`gave up waiting for ${what}`);
}

// A script for lessonl.optimize that blocks until the request is cancelled, then
// answers as a server does: with the RequestCancelled error.
export function untilCancelled(before?: (progress: (v: unknown) => Promise<void>) => Promise<void>): CommandScript {
  return async (_args, { token, progress }) => {
    await before?.(progress);
    await new Promise<void>((resolve) => {
      if (token.isCancellationRequested) resolve();
      token.onCancellationRequested(() => resolve());
    });
    await progress({ kind: 'end', message: 'canceled' });
    throw new ResponseError(LSPErrorCodes.RequestCancelled, 'canceled');
  };
}

// waitFor polls a condition that depends on another process. The bound is a
// guard against a hang (generous for a loaded machine), not a speed assertion.
export async function waitFor(cond: () => boolean, what: string, boundMs = 60000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > boundMs) throw new Error(`gave up waiting for ${what} after ${boundMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
