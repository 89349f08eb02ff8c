import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inspected, answerConfiguration, didChangeConfigurationParams, expandHome, readServerConfig } from '../src/config';

// settings builds an inspect function from user (global) and workspace values.
function settings(global: Record<string, unknown>, workspace: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}) {
  return (key: string): Inspected => ({ defaultValue: defaults[key], globalValue: global[key], workspaceValue: workspace[key] });
}

describe('readServerConfig', () => {
  const cases: {
    name: string;
    global: Record<string, unknown>;
    workspace?: Record<string, unknown>;
    want: Record<string, unknown>;
    problems?: RegExp[];
  }[] = [
    { name: 'nothing set sends nothing (server falls back to env and defaults)', global: {}, want: {} },
    {
      name: 'every key, valid',
      global: {
        models: ['qwen2.5-coder:7b', 'llama3.2:3b@http://gpu:11434'],
        ollamaHost: 'http://127.0.0.1:11434',
        rounds: 3,
        lessons: 0,
        scope: 'project',
        store: '/data/lessons',
        timeout: '1h30m',
        floor: 0.1,
        sandbox: false,
        codeLens: true,
      },
      want: {
        models: ['qwen2.5-coder:7b', 'llama3.2:3b@http://gpu:11434'],
        ollamaHost: 'http://127.0.0.1:11434',
        rounds: 3,
        lessons: 0,
        scope: 'project',
        store: '/data/lessons',
        timeout: '1h30m',
        floor: 0.1,
        sandbox: false,
        codeLens: true,
      },
    },
    { name: 'workspace value wins over user value', global: { rounds: 2 }, workspace: { rounds: 7 }, want: { rounds: 7 } },
    {
      name: 'a workspace cannot turn the sandbox off',
      global: {},
      workspace: { sandbox: false },
      want: {},
    },
    { name: 'user turns the sandbox off', global: { sandbox: false }, want: { sandbox: false } },
    { name: 'empty strings and lists mean unset', global: { ollamaHost: '  ', store: '', models: ['', ' '] }, want: {} },
    { name: 'strings are trimmed, empty models dropped', global: { models: [' a ', ''], scope: ' all ' }, want: { models: ['a'], scope: 'all' } },
    { name: 'store ~ is expanded', global: { store: '~/lessons' }, want: { store: '/home/u/lessons' } },
    {
      name: 'bad values are skipped and reported with the fix',
      global: { rounds: 0, lessons: 2.5, scope: 'everything', timeout: '5 minutes', floor: 3, sandbox: 'yes', models: ['has space'] },
      want: {},
      problems: [
        /^Setting lessonl\.models is \["has space"\]: "has space" is not in the expected form\. Set it to a list of "MODEL" or "MODEL@HOST" strings/,
        /^Setting lessonl\.rounds is 0: it is out of range\. Set it to an integer from 1 to 50, or remove it to use the server's default\.$/,
        /^Setting lessonl\.lessons is 2\.5: it must be a whole number\./,
        /^Setting lessonl\.scope is "everything": it is not one of the allowed values\. Set it to one of "problem", "project", "all"/,
        /^Setting lessonl\.timeout is "5 minutes": it is not in the expected form\. Set it to a positive Go duration/,
        /^Setting lessonl\.floor is 3: it is out of range\./,
        /^Setting lessonl\.sandbox is "yes": it must be a boolean\./,
      ],
    },
    { name: 'zero timeout is refused', global: { timeout: '0s' }, want: {}, problems: [/timeout is "0s": it must be longer than zero/] },
    { name: 'fractional durations are fine', global: { timeout: '1.5h' }, want: { timeout: '1.5h' } },
    { name: 'wrong container types', global: { models: 'qwen', rounds: '4' }, want: {}, problems: [/models is "qwen": it must be a list of strings/, /rounds is "4": it must be a number/] },
    { name: 'null means unset', global: { rounds: null }, want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = readServerConfig(settings(c.global, c.workspace), '/home/u');
      assert.deepEqual(got.config, c.want);
      const want = c.problems ?? [];
      assert.equal(got.problems.length, want.length, `problems: ${JSON.stringify(got.problems, null, 1)}`);
      want.forEach((re, i) => assert.match(got.problems[i], re));
    });
  }

  it('never sends the client\'s own settings', () => {
    const got = readServerConfig(settings({ serverPath: '/opt/lessonl', 'trace.server': 'verbose', rounds: 2 }));
    assert.deepEqual(got, { config: { rounds: 2 }, problems: [] });
  });

  it('ignores manifest defaults (only explicit values are sent)', () => {
    const got = readServerConfig(settings({}, {}, { rounds: 4, scope: 'all', sandbox: true }));
    assert.deepEqual(got.config, {});
  });

  it('folder value wins over workspace and user', () => {
    const got = readServerConfig((k) => (k === 'lessons' ? { globalValue: 1, workspaceValue: 2, workspaceFolderValue: 3 } : undefined));
    assert.deepEqual(got.config, { lessons: 3 });
  });
});

describe('expandHome', () => {
  for (const [input, want] of [
    ['~', '/h'],
    ['~/a/b', '/h/a/b'],
    ['~user/x', '~user/x'],
    ['/abs', '/abs'],
    ['rel/~', 'rel/~'],
  ]) {
    it(`${input} -> ${want}`, () => assert.equal(expandHome(input, '/h/'), want));
  }
  for (const [input, want] of [
    ['~', '/'],
    ['~/x', '/x'],
  ]) {
    it(`home is the root: ${input} -> ${want}`, () => assert.equal(expandHome(input, '/'), want));
  }
  it('no home: unchanged', () => assert.equal(expandHome('~/x', ''), '~/x'));
});

describe('configuration payloads', () => {
  it('didChangeConfiguration nests the flat object under the section', () => {
    assert.deepEqual(didChangeConfigurationParams({ rounds: 2 }), { settings: { lessonl: { rounds: 2 } } });
  });

  it('workspace/configuration answers lessonl items and delegates the rest', () => {
    const asked: number[] = [];
    const got = answerConfiguration(
      [{ section: 'lessonl' }, { section: 'editor' }, { section: 'lessonl.rounds' }, { section: 'lessonl.serverPath' }, {}],
      { rounds: 3, scope: 'all' },
      (i) => {
        asked.push(i);
        return `other-${i}`;
      },
    );
    assert.deepEqual(got, [{ rounds: 3, scope: 'all' }, 'other-1', 3, null, 'other-4']);
    assert.deepEqual(asked, [1, 4]);
  });
});
