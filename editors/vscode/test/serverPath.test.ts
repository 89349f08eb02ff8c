import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { goBinDirs, isExecutableFile, resolveServerPath } from '../src/serverPath';

// Real files in a temporary tree: executables, a non-executable file and a directory.
let root: string;
const p = (...parts: string[]) => path.join(root, ...parts);

function touch(file: string, mode: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\necho lessonl\n');
  fs.chmodSync(file, mode);
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessonl-serverpath-'));
  touch(p('bin1', 'lessonl'), 0o755);
  touch(p('noexec', 'lessonl'), 0o644);
  fs.mkdirSync(p('dirbin', 'lessonl'), { recursive: true });
  touch(p('home', 'go', 'bin', 'lessonl'), 0o755);
  touch(p('gopath2', 'bin', 'lessonl'), 0o755);
  touch(p('gobin', 'lessonl'), 0o755);
  touch(p('ws', 'tools', 'lessonl'), 0o755);
  touch(p('home', 'bin', 'lessonl-dev'), 0o755);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('resolveServerPath (posix)', () => {
  const base = () => ({ platform: 'linux' as const, home: p('home'), workspaceFolder: p('ws') });
  const cases: { name: string; setting: unknown; env: Record<string, string>; want: string | RegExp; note?: RegExp }[] = [
    { name: 'default name on PATH', setting: undefined, env: { PATH: `${p('bin1')}` }, want: 'bin1/lessonl' },
    { name: 'empty setting means the default', setting: '  ', env: { PATH: `${p('bin1')}` }, want: 'bin1/lessonl' },
    { name: 'skips non-executable files and directories on PATH', setting: 'lessonl', env: { PATH: `${p('noexec')}:${p('dirbin')}:${p('bin1')}` }, want: 'bin1/lessonl' },
    { name: 'falls back to ~/go/bin when PATH lacks it', setting: 'lessonl', env: { PATH: p('noexec') }, want: 'home/go/bin/lessonl', note: /is not on VS Code's PATH/ },
    { name: 'GOPATH entries before ~/go/bin', setting: 'lessonl', env: { PATH: '', GOPATH: `${p('nothing')}:${p('gopath2')}` }, want: 'gopath2/bin/lessonl', note: /gopath2\/bin is not on VS Code's PATH/ },
    { name: 'GOBIN first', setting: 'lessonl', env: { PATH: '', GOBIN: p('gobin'), GOPATH: p('gopath2') }, want: 'gobin/lessonl', note: /gobin is not on VS Code's PATH/ },
    { name: 'absolute path', setting: p('bin1', 'lessonl'), env: { PATH: '' }, want: 'bin1/lessonl' },
    { name: 'relative path is relative to the workspace folder', setting: 'tools/lessonl', env: { PATH: '' }, want: 'ws/tools/lessonl' },
    { name: '${workspaceFolder}', setting: '${workspaceFolder}/tools/lessonl', env: { PATH: '' }, want: 'ws/tools/lessonl' },
    { name: '~ and ${userHome}', setting: '~/bin/lessonl-dev', env: { PATH: '' }, want: 'home/bin/lessonl-dev' },
    { name: '${userHome}', setting: '${userHome}/bin/lessonl-dev', env: { PATH: '' }, want: 'home/bin/lessonl-dev' },
    { name: '${env:NAME}', setting: '${env:TOOLS}/lessonl', env: { PATH: '', TOOLS: p('bin1') }, want: 'bin1/lessonl' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = resolveServerPath(c.setting, { ...base(), env: c.env });
      assert.ok(got.ok, JSON.stringify(got));
      if (got.ok) {
        assert.equal(path.relative(root, got.path), c.want);
        if (c.note) assert.match(got.note ?? '', c.note);
        else assert.equal(got.note, undefined);
      }
    });
  }

  it('missing name: says what was searched and how to install', () => {
    const got = resolveServerPath('lessonl', { ...base(), home: p('nohome'), env: { PATH: p('noexec') } });
    assert.equal(got.ok, false);
    if (!got.ok) {
      assert.equal(
        got.message,
        'LessonL: couldn\'t find the language server "lessonl" on PATH or in Go\'s bin directories. Install it with `go install github.com/lessonl/lessonl/cmd/lessonl@latest`, or set lessonl.serverPath to the binary.',
      );
      assert.deepEqual(got.tried, [p('noexec', 'lessonl'), p('nohome', 'go', 'bin', 'lessonl')]);
    }
  });

  it('bad explicit path: names the setting and the path', () => {
    const got = resolveServerPath('/nowhere/lessonl', { ...base(), env: { PATH: p('bin1') } });
    assert.equal(got.ok, false, 'an explicit path must not fall back to PATH');
    if (!got.ok) assert.match(got.message, /^LessonL: lessonl\.serverPath is "\/nowhere\/lessonl", but there is no executable file at \/nowhere\/lessonl\. Fix the setting, or install the server with `go install/);
  });

  it('non-executable explicit file is refused', () => {
    assert.equal(resolveServerPath(p('noexec', 'lessonl'), { ...base(), env: {} }).ok, false);
  });
});

describe('resolveServerPath (windows rules)', () => {
  it('tries PATHEXT extensions and ; separators', () => {
    const seen: string[] = [];
    const got = resolveServerPath('lessonl', {
      platform: 'win32',
      home: 'C:\\Users\\u',
      env: { Path: 'C:\\a;C:\\b', PATHEXT: '.COM;.EXE' },
      isExecutable: (f) => {
        seen.push(f);
        return f === 'C:\\b\\lessonl.exe';
      },
    });
    assert.deepEqual(got, { ok: true, path: 'C:\\b\\lessonl.exe' });
    assert.deepEqual(seen, ['C:\\a\\lessonl', 'C:\\a\\lessonl.com', 'C:\\a\\lessonl.exe', 'C:\\b\\lessonl', 'C:\\b\\lessonl.com', 'C:\\b\\lessonl.exe']);
  });
});

describe('goBinDirs', () => {
  it('GOBIN, then GOPATH/bin, deduplicated; ~/go/bin only without GOPATH', () => {
    const r = { platform: 'linux' as const, home: '/h', env: { GOBIN: '/g/bin', GOPATH: '/g:/g' } };
    assert.deepEqual(goBinDirs(r), ['/g/bin']);
    assert.deepEqual(goBinDirs({ ...r, env: {} }), ['/h/go/bin']);
  });
});

describe('isExecutableFile', () => {
  it('real files', () => {
    assert.equal(isExecutableFile(p('bin1', 'lessonl')), true);
    assert.equal(isExecutableFile(p('noexec', 'lessonl')), os.userInfo().uid === 0 ? isRootExec() : false);
    assert.equal(isExecutableFile(p('dirbin', 'lessonl')), false);
    assert.equal(isExecutableFile(p('absent')), false);
  });
});

// As root, access(X_OK) on a file without any x bit still fails on Linux.
function isRootExec(): boolean {
  try {
    fs.accessSync(p('noexec', 'lessonl'), fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
