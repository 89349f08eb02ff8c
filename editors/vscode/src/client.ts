// The real language client: vscode-languageclient 11 over stdio to `lessonl serve`.
import * as readline from 'node:readline';
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, StaticFeature, TransportKind } from 'vscode-languageclient/node';
import { buildMiddleware, documentSelector, experimentalCapabilities, isServerLogLine } from './clientOptions';
import { ClientSpec, ServerClient } from './controller';
import { CONFIG_SECTION } from './ids';

// Tells the server that the extension presents lessonl.optimize's outcome itself.
const outcomeFeature: StaticFeature = {
  fillClientCapabilities: (caps) => {
    caps.experimental = { ...(caps.experimental as object | undefined), ...experimentalCapabilities() };
  },
  initialize: () => undefined,
  getState: () => ({ kind: 'static' }),
  clear: () => undefined,
};

export function createLanguageClient(spec: ClientSpec): ServerClient {
  // TransportKind.stdio appends --stdio, which `lessonl serve` accepts.
  const run = { command: spec.serverPath, args: ['serve'], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: spec.log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: spec.initializationOptions,
    // Keeps the client's configuration listener (and the initial push after
    // start); the middleware replaces the payload with the mapped settings.
    synchronize: { configurationSection: CONFIG_SECTION },
    middleware: buildMiddleware(spec.hooks),
    // The server sends every log record as window/logMessage, with its level;
    // the same records on stderr would be logged again, all as [error]. Other
    // stderr text (a crash) is an error.
    stdioOptions: {
      stdout: () => undefined,
      stderr: (input, log) => {
        readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 }).on('line', (line) => {
          if (!isServerLogLine(line)) log.error(line);
        });
      },
    },
  };
  const client = new LanguageClient('lessonl', 'LessonL', serverOptions, clientOptions);
  client.registerFeature(outcomeFeature);
  return client;
}
