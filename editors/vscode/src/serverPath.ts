// Finding the `lessonl` binary. VS Code started from a desktop launcher often has
// a shorter PATH than the user's shell, and `go install` puts binaries in
// $GOBIN or $GOPATH/bin, which many users never add to PATH: those are searched
// after PATH so a fresh `go install` works without touching any setting.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { INSTALL_COMMAND } from './ids';

export interface ResolveEnv {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  // The first workspace folder's path, for ${workspaceFolder} and relative paths.
  workspaceFolder?: string;
  isExecutable?: (file: string) => boolean;
}

export type Resolved =
  | { ok: true; path: string; note?: string }
  | { ok: false; message: string; tried: string[] };

export const DEFAULT_SERVER_PATH = 'lessonl';

export function resolveServerPath(setting: unknown, r: ResolveEnv): Resolved {
  const isExec = r.isExecutable ?? isExecutableFile;
  const path = r.platform === 'win32' ? nodePath.win32 : nodePath.posix;
  let value = typeof setting === 'string' && setting.trim() !== '' ? setting.trim() : DEFAULT_SERVER_PATH;
  value = expandVariables(value, r);
  const exts = executableExtensions(r);

  const hasSeparator = value.includes('/') || (r.platform === 'win32' && value.includes('\\'));
  if (hasSeparator) {
    const abs = path.isAbsolute(value) ? value : path.resolve(r.workspaceFolder ?? r.home, value);
    const tried = exts.map((e) => abs + e);
    const found = tried.find((c) => isExec(c));
    if (found) return { ok: true, path: found };
    return {
      ok: false,
      tried,
      message:
        `LessonL: lessonl.serverPath is "${setting}", but there is no executable file at ${abs}. ` +
        `Fix the setting, or install the server with \`${INSTALL_COMMAND}\` and clear the setting.`,
    };
  }

  const tried: string[] = [];
  const pathDirs = splitList(r.env.PATH ?? r.env.Path ?? '', r.platform);
  for (const dir of pathDirs) {
    for (const e of exts) {
      const c = path.join(dir, value + e);
      tried.push(c);
      if (isExec(c)) return { ok: true, path: c };
    }
  }
  for (const dir of goBinDirs(r, path)) {
    if (pathDirs.includes(dir)) continue;
    for (const e of exts) {
      const c = path.join(dir, value + e);
      tried.push(c);
      if (isExec(c)) return { ok: true, path: c, note: `found ${c}; ${dir} is not on VS Code's PATH` };
    }
  }
  return {
    ok: false,
    tried,
    message:
      `LessonL: couldn't find the language server "${value}" on PATH or in Go's bin directories. ` +
      `Install it with \`${INSTALL_COMMAND}\`, or set lessonl.serverPath to the binary.`,
  };
}

function expandVariables(value: string, r: ResolveEnv): string {
  let v = value;
  if (v === '~' || v.startsWith('~/') || v.startsWith('~\\')) v = r.home + v.slice(1);
  v = v.replace(/\$\{workspaceFolder\}/g, r.workspaceFolder ?? '');
  v = v.replace(/\$\{userHome\}/g, r.home);
  v = v.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => r.env[name] ?? '');
  return v;
}

function executableExtensions(r: ResolveEnv): string[] {
  if (r.platform !== 'win32') return [''];
  const pathext = (r.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '');
  return ['', ...pathext.map((e) => e.toLowerCase())];
}

function splitList(list: string, platform: NodeJS.Platform): string[] {
  return list.split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
}

// Where `go install` puts binaries: $GOBIN, else each $GOPATH entry's bin, else ~/go/bin.
export function goBinDirs(r: ResolveEnv, path: typeof nodePath.posix = nodePath): string[] {
  const dirs: string[] = [];
  if (r.env.GOBIN) dirs.push(r.env.GOBIN);
  const gopath = splitList(r.env.GOPATH ?? '', r.platform);
  if (gopath.length > 0) dirs.push(...gopath.map((p) => path.join(p, 'bin')));
  else if (r.home) dirs.push(path.join(r.home, 'go', 'bin'));
  return [...new Set(dirs)];
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
