// What the language client is configured with, kept free of runtime imports of
// `vscode` so the tests can check it: which documents reach the server, and the
// middleware that routes lessonl.optimize through the extension and answers
// configuration requests with the mapped settings.
import type { Middleware } from 'vscode-languageclient';
import { ConfigurationParams, ResponseError } from 'vscode-languageserver-protocol';
import { ServerConfig, answerConfiguration } from './config';
import { CONFIG_SECTION, LANGUAGES, ServerCommand } from './ids';

// Only real files and unsaved buffers: the diff editor's virtual documents have
// a .go/.c name too, and must never be opened on the server.
export function documentSelector(): { scheme: string; language: string }[] {
  return LANGUAGES.flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]);
}

export interface MiddlewareHooks {
  // Runs lessonl.optimize with a cancellable notification; resolves with the server's answer.
  optimize(args: unknown[]): Promise<unknown>;
  // The current mapped configuration (only explicitly set keys).
  serverConfig(): ServerConfig;
  // Sends workspace/didChangeConfiguration with the mapped configuration.
  sendConfig(): Promise<void>;
  // The server's lessonl.apply ran from outside the extension (its code lens or
  // code action): the pending variant it applied is no longer pending.
  applied(args: unknown[], answer: unknown): void;
}

export function buildMiddleware(h: MiddlewareHooks): Middleware {
  return {
    // vscode-languageclient registers every server command as a VS Code command
    // that calls this middleware; lessonl.optimize from a code action or lens thus
    // gets the same progress notification as the palette command.
    executeCommand: async (command, args, next) => {
      if (command === ServerCommand.optimize) return h.optimize(args);
      const answer = await next(command, args);
      if (command === ServerCommand.apply) h.applied(args, answer);
      return answer;
    },
    workspace: {
      configuration: async (params: ConfigurationParams, token, next) => {
        const config = h.serverConfig();
        const ours = (s: string | undefined) => s === CONFIG_SECTION || (s ?? '').startsWith(CONFIG_SECTION + '.');
        let others: unknown[] = [];
        if (params.items.some((i) => !ours(i.section))) {
          const answer = await next(params, token);
          if (answer instanceof ResponseError) return answer;
          others = answer as unknown[];
        }
        return answerConfiguration(params.items, config, (i) => others[i] ?? null);
      },
      // The client's own synchronisation would send every `lessonl.*` value,
      // including defaults and lessonl.serverPath (an unknown key to the server).
      didChangeConfiguration: () => h.sendConfig(),
    },
  };
}

// The client capabilities' `experimental` part: the extension asks Apply /
// Discard (or explains) when a run ends, so the server does not announce the
// outcome a second time.
export function experimentalCapabilities(): { lessonl: { showsOutcome: boolean } } {
  return { lessonl: { showsOutcome: true } };
}

// A record of the server's log/slog text handler on stderr
// (`time=… level=INFO msg=…`): the server also sends it as window/logMessage.
export function isServerLogLine(line: string): boolean {
  return /^time=\S+ level=(DEBUG|INFO|WARN|ERROR)([+-]\d+)? msg=/.test(line);
}
