// Entry point: wires the real `vscode` API and language client into the Controller.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { createLanguageClient } from './client';
import { Controller } from './controller';

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  controller = new Controller(vscode, context, {
    createClient: createLanguageClient,
    env: process.env,
    platform: process.platform,
    home: os.homedir(),
  });
  await controller.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
