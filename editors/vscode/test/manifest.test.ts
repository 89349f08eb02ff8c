// The manifest (package.json) must agree with the code: every contributed
// command is registered and none collides with the server's; settings are
// exactly the server's keys plus serverPath, typed like the code validates them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_SETTINGS, SERVER_SETTINGS } from '../src/config';
import { ClientCommand, ContextKey, DIFF_SCHEME, LANGUAGES, ServerCommand } from '../src/ids';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

interface Prop {
  type: string;
  default: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  scope?: string;
  items?: { type: string; pattern?: string };
  pattern?: string;
  markdownDescription?: string;
  description?: string;
}
const props: Record<string, Prop> = pkg.contributes.configuration.properties;

describe('manifest: commands', () => {
  const declared: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

  it('declares exactly the client commands', () => {
    assert.deepEqual([...declared].sort(), Object.values(ClientCommand).sort());
  });

  it('client command ids never collide with the server commands vscode-languageclient registers', () => {
    for (const id of Object.values(ServerCommand)) assert.ok(!declared.includes(id), `${id} is the server's`);
  });

  it('every command has a LessonL title', () => {
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'LessonL');
      assert.ok(c.title.length > 0);
    }
    const titles = Object.fromEntries(pkg.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    // The names issue 6 asks for.
    assert.equal(titles[ClientCommand.optimizeFunction], 'Optimize Function');
    assert.equal(titles[ClientCommand.applyBest], 'Apply Best Variant');
    assert.equal(titles[ClientCommand.showDiff], 'Show Diff');
    assert.equal(titles[ClientCommand.cancelRun], 'Cancel');
    assert.equal(titles[ClientCommand.lessons], 'Show Lessons');
    assert.equal(titles[ClientCommand.openStore], 'Open Lesson Store');
    assert.equal(titles[ClientCommand.showLog], 'Show Log');
  });

  it('menus only name declared commands and known context keys', () => {
    const known = new Set([...Object.values(ContextKey), 'editorLangId', 'resourceScheme', 'isInDiffEditor']);
    for (const [menu, entries] of Object.entries(pkg.contributes.menus) as [string, { command: string; when?: string }[]][]) {
      for (const e of entries) {
        assert.ok(declared.includes(e.command), `${menu}: ${e.command}`);
        for (const clause of (e.when ?? '').split(/&&|\|\|/)) {
          const key = /^\s*!?\s*([A-Za-z][\w.]*)/.exec(clause)?.[1];
          if (key) assert.ok(known.has(key), `${menu}: unknown context key ${key} in "${e.when}"`);
        }
      }
    }
    const title = pkg.contributes.menus['editor/title'].map((e: { command: string; when: string }) => [e.command, e.when]);
    assert.deepEqual(title, [
      [ClientCommand.applyBest, `resourceScheme == ${DIFF_SCHEME} && isInDiffEditor`],
      [ClientCommand.discardVariant, `resourceScheme == ${DIFF_SCHEME} && isInDiffEditor`],
    ]);
  });
});

describe('manifest: activation and packaging', () => {
  it('activates on the server languages', () => {
    assert.deepEqual(pkg.activationEvents, LANGUAGES.map((l) => `onLanguage:${l}`));
  });

  it('is not run in untrusted or virtual workspaces (it compiles and runs code)', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, false);
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
  });

  it('pins @types/vscode inside the engines range (vsce refuses otherwise)', () => {
    const engine = pkg.engines.vscode.replace(/^\^/, '');
    const types = pkg.devDependencies['@types/vscode'].replace(/^~/, '');
    assert.equal(types, engine);
    assert.match(pkg.devDependencies['@types/vscode'], /^~/);
  });

  it('has what vsce needs: repository, license, publisher, bundled main', () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(pkg.repository.url, /github\.com\/lessonl\/lessonl/);
    assert.ok(pkg.publisher);
    assert.equal(pkg.main, './dist/extension.js');
    assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /MIT License[\s\S]*LessonL contributors/);
    assert.ok(fs.existsSync(path.join(root, 'README.md')));
  });

  it('the lock file matches package.json', () => {
    const locked = lock.packages[''];
    assert.deepEqual(locked.dependencies, pkg.dependencies);
    assert.deepEqual(locked.devDependencies, pkg.devDependencies);
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }) as [string, string][]) {
      const v = lock.packages[`node_modules/${name}`]?.version;
      assert.ok(v, `${name} is not in package-lock.json`);
      if (/^\d/.test(range)) assert.equal(v, range, name);
    }
    // vscode-languageclient and our direct protocol dependency must be one copy,
    // or the progress and cancellation types would not be the client's.
    assert.equal(lock.packages['node_modules/vscode-languageclient/node_modules/vscode-languageserver-protocol'], undefined);
  });
});

describe('manifest: settings', () => {
  it('are the server keys plus the client\'s own (serverPath, trace.server)', () => {
    const want = [...CLIENT_SETTINGS, ...SERVER_SETTINGS.map((s) => s.key)].map((k) => `lessonl.${k}`).sort();
    assert.deepEqual(Object.keys(props).sort(), want);
  });

  it('are the contract keys of the server configuration', () => {
    assert.deepEqual(
      SERVER_SETTINGS.map((s) => s.key),
      ['models', 'ollamaHost', 'rounds', 'lessons', 'scope', 'store', 'timeout', 'floor', 'sandbox', 'codeLens'],
    );
  });

  for (const spec of SERVER_SETTINGS) {
    it(`lessonl.${spec.key} is typed like the code checks it`, () => {
      const p = props[`lessonl.${spec.key}`];
      const type = spec.type === 'string[]' ? 'array' : spec.type;
      assert.equal(p.type, type);
      if (spec.type === 'string[]') assert.equal(p.items?.type, 'string');
      assert.deepEqual(p.enum, spec.enum ? [...spec.enum] : undefined);
      assert.equal(p.minimum, spec.minimum);
      assert.equal(p.maximum, spec.maximum);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, 'needs a description');
      if (spec.pattern) {
        const manifestPattern = p.pattern ?? p.items?.pattern;
        if (manifestPattern) assert.equal(new RegExp(manifestPattern).source, spec.pattern.source);
      }
      if (spec.userOnly) assert.equal(p.scope, 'machine', 'a workspace must not override it');
    });
  }

  it('defaults are valid values and mirror the server defaults', () => {
    assert.equal(props['lessonl.serverPath'].default, 'lessonl');
    assert.deepEqual(
      Object.fromEntries(SERVER_SETTINGS.map((s) => [s.key, props[`lessonl.${s.key}`].default])),
      { models: [], ollamaHost: '', rounds: 4, lessons: 4, scope: 'all', store: '', timeout: '5m', floor: 0.05, sandbox: true, codeLens: false },
    );
  });
});
