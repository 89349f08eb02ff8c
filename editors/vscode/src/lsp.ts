// The few requests the extension sends itself, over the narrow surface that both
// vscode-languageclient's LanguageClient and a plain vscode-languageserver-protocol
// connection provide (so the tests drive real JSON-RPC without VS Code).
import { randomUUID } from 'node:crypto';
import {
  CancellationToken,
  Disposable,
  ErrorCodes,
  ExecuteCommandParams,
  LSPErrorCodes,
  NotificationHandler,
  ProgressType,
  ResponseError,
  WorkDoneProgress,
} from 'vscode-languageserver-protocol';

export interface LspClient {
  sendRequest<R>(method: string, param: unknown, token?: CancellationToken): Promise<R>;
  onProgress<P>(type: ProgressType<P>, token: string | number, handler: NotificationHandler<P>): Disposable;
}

export const EXECUTE_COMMAND = 'workspace/executeCommand';

// executeWithProgress runs a server command with a work done token of our own, so
// the server reports this run's $/progress to us (instead of creating a token the
// editor would show without a cancel button), and cancels it with $/cancelRequest
// when token is cancelled.
export async function executeWithProgress(
  client: LspClient,
  command: string,
  args: unknown[],
  onProgress: (value: unknown) => void,
  token?: CancellationToken,
): Promise<unknown> {
  const workDoneToken = `lessonl-${randomUUID()}`;
  const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, onProgress);
  try {
    const params: ExecuteCommandParams = { command, arguments: args, workDoneToken };
    return await request(client, params, token);
  } finally {
    sub.dispose();
  }
}

export function execute(client: LspClient, command: string, args: unknown[], token?: CancellationToken): Promise<unknown> {
  const params: ExecuteCommandParams = { command, arguments: args };
  return request(client, params, token);
}

// A plain jsonrpc connection takes a trailing undefined for one more parameter
// (and would send [params, null]): pass the token only when there is one.
function request(client: LspClient, params: ExecuteCommandParams, token: CancellationToken | undefined): Promise<unknown> {
  return token ? client.sendRequest<unknown>(EXECUTE_COMMAND, params, token) : client.sendRequest<unknown>(EXECUTE_COMMAND, params);
}

// isCancellation tells a cancelled request (by us or by the server) from a failure.
export function isCancellation(err: unknown): boolean {
  if (err instanceof ResponseError) return err.code === LSPErrorCodes.RequestCancelled;
  const code = (err as { code?: unknown } | null)?.code;
  return code === LSPErrorCodes.RequestCancelled;
}

// errorText is a one-line description of a failed request for a message.
export function errorText(err: unknown): string {
  if (err instanceof ResponseError) {
    if (err.code === ErrorCodes.ConnectionInactive) return 'the language server is not running (see LessonL: Show Log)';
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
