// The real language client: vscode-languageclient 11 over stdio to `lessonl serve`.
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { buildMiddleware, documentSelector } from './clientOptions';
import { ClientSpec, ServerClient } from './controller';
import { CONFIG_SECTION } from './ids';

export function createLanguageClient(spec: ClientSpec): ServerClient {
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
  };
  return new LanguageClient('lessonl', 'LessonL', serverOptions, clientOptions);
}
