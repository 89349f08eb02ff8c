// Settings -> server configuration. The server's configuration is one flat object
// (the `lessonl` section); these keys are a contract shared with `lessonl serve`,
// the CLI and the Neovim plugin.
//
// Only values the user set explicitly (user, workspace or folder settings) are sent:
// a missing key lets the server fall back to the environment (LESSONL_MODELS,
// OLLAMA_HOST, LESSONL_HOME) and then to its own defaults. Sending VS Code's
// manifest defaults instead would silently override the user's environment.

export type Scope = 'problem' | 'project' | 'all';

export interface ServerConfig {
  models?: string[];
  ollamaHost?: string;
  rounds?: number;
  lessons?: number;
  scope?: Scope;
  store?: string;
  timeout?: string;
  floor?: number;
  sandbox?: boolean;
  codeLens?: boolean;
}

export type SettingKey = keyof ServerConfig;

export interface SettingSpec {
  readonly key: SettingKey;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'string[]';
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  // Checked on strings and on each element of string arrays.
  readonly pattern?: RegExp;
  // What a valid value looks like, for the message when it is not.
  readonly expect: string;
  // Paths: a leading ~ is expanded here because the server does not use a shell.
  readonly path?: boolean;
  // Safety switches: only the user's own settings count, never a workspace's
  // (the manifest declares them with scope "machine").
  readonly userOnly?: boolean;
}

const MODEL = /^[^\s@]+(@\S+)?$/;
// Go's time.ParseDuration syntax (the manifest carries the same pattern).
const GO_DURATION = /^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$/;

// Settings of the extension itself, never sent to the server (it would report
// them as unknown keys). trace.server is read by vscode-languageclient.
export const CLIENT_SETTINGS = ['serverPath', 'trace.server'] as const;

export const SERVER_SETTINGS: readonly SettingSpec[] = [
  { key: 'models', type: 'string[]', pattern: MODEL, expect: 'a list of "MODEL" or "MODEL@HOST" strings, e.g. ["qwen2.5-coder:7b", "llama3.2:3b@http://gpu-box:11434"]' },
  { key: 'ollamaHost', type: 'string', pattern: /^\S+$/, expect: 'an Ollama address such as "http://127.0.0.1:11434"' },
  { key: 'rounds', type: 'integer', minimum: 1, maximum: 50, expect: 'an integer from 1 to 50' },
  { key: 'lessons', type: 'integer', minimum: 0, maximum: 64, expect: 'an integer from 0 to 64' },
  { key: 'scope', type: 'string', enum: ['problem', 'project', 'all'], expect: 'one of "problem", "project", "all"' },
  { key: 'store', type: 'string', path: true, expect: 'a directory path' },
  { key: 'timeout', type: 'string', pattern: GO_DURATION, expect: 'a positive Go duration such as "90s", "5m" or "1h30m"' },
  { key: 'floor', type: 'number', minimum: 0, maximum: 1, expect: 'a number from 0 to 1, e.g. 0.05' },
  { key: 'sandbox', type: 'boolean', userOnly: true, expect: 'true or false' },
  { key: 'codeLens', type: 'boolean', expect: 'true or false' },
];

// The subset of vscode.WorkspaceConfiguration.inspect's answer used here.
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type Inspect = (key: string) => Inspected | undefined;

export interface ReadResult {
  config: ServerConfig;
  // One sentence per bad setting, naming the setting, the problem and the fix.
  problems: string[];
}

// explicitValue is the most specific value the user set, or undefined.
export function explicitValue(i: Inspected | undefined): unknown {
  if (!i) return undefined;
  if (i.workspaceFolderValue !== undefined) return i.workspaceFolderValue;
  if (i.workspaceValue !== undefined) return i.workspaceValue;
  return i.globalValue;
}

export function readServerConfig(inspect: Inspect, home = ''): ReadResult {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const spec of SERVER_SETTINGS) {
    const inspected = inspect(spec.key);
    const raw = spec.userOnly ? inspected?.globalValue : explicitValue(inspected);
    if (raw === undefined || raw === null) continue;
    const checked = checkValue(spec, raw);
    if ('problem' in checked) {
      problems.push(
        `Setting lessonl.${spec.key} is ${JSON.stringify(raw)}: ${checked.problem}. ` +
          `Set it to ${spec.expect}, or remove it to use the server's default.`,
      );
      continue;
    }
    if (checked.unset) continue;
    config[spec.key] = spec.path && typeof checked.value === 'string' ? expandHome(checked.value, home) : checked.value;
  }
  return { config: config as ServerConfig, problems };
}

type Checked = { value: unknown; unset?: false } | { unset: true } | { problem: string };

function checkValue(spec: SettingSpec, raw: unknown): Checked {
  switch (spec.type) {
    case 'boolean':
      return typeof raw === 'boolean' ? { value: raw } : { problem: 'it must be a boolean' };
    case 'integer':
    case 'number': {
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return { problem: 'it must be a number' };
      if (spec.type === 'integer' && !Number.isInteger(raw)) return { problem: 'it must be a whole number' };
      if ((spec.minimum !== undefined && raw < spec.minimum) || (spec.maximum !== undefined && raw > spec.maximum)) {
        return { problem: 'it is out of range' };
      }
      return { value: raw };
    }
    case 'string': {
      if (typeof raw !== 'string') return { problem: 'it must be a string' };
      const s = raw.trim();
      // An empty string is how a user clears a string setting in the UI.
      if (s === '') return { unset: true };
      if (spec.enum && !spec.enum.includes(s)) return { problem: 'it is not one of the allowed values' };
      if (spec.pattern && !spec.pattern.test(s)) return { problem: 'it is not in the expected form' };
      if (spec.key === 'timeout' && !/[1-9]/.test(s)) return { problem: 'it must be longer than zero' };
      return { value: s };
    }
    case 'string[]': {
      if (!Array.isArray(raw) || raw.some((m) => typeof m !== 'string')) return { problem: 'it must be a list of strings' };
      const items = (raw as string[]).map((m) => m.trim()).filter((m) => m !== '');
      if (items.length === 0) return { unset: true };
      const bad = items.filter((m) => spec.pattern && !spec.pattern.test(m));
      if (bad.length > 0) return { problem: `${bad.map((b) => JSON.stringify(b)).join(', ')} is not in the expected form` };
      return { value: items };
    }
  }
}

export function expandHome(p: string, home: string): string {
  if (home === '') return p;
  const h = home.replace(/[\\/]+$/, '');
  if (p === '~') return h || home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return h + p.slice(1);
  return p;
}

// The payload of workspace/didChangeConfiguration. Settings are keyed by section,
// as vscode-languageclient's own synchronisation does, so a server that reads
// `settings.lessonl` and one that re-pulls workspace/configuration both work.
export function didChangeConfigurationParams(config: ServerConfig): { settings: { lessonl: ServerConfig } } {
  return { settings: { lessonl: config } };
}

// The answer to workspace/configuration: each item asking for the `lessonl`
// section (or a key in it) gets the mapped configuration; other sections are
// answered by `other` (VS Code's own settings through vscode-languageclient).
export function answerConfiguration(
  items: ReadonlyArray<{ section?: string | null }>,
  config: ServerConfig,
  other: (index: number) => unknown,
): unknown[] {
  return items.map((item, i) => {
    const section = item.section ?? '';
    if (section === 'lessonl') return config;
    if (section.startsWith('lessonl.')) {
      const v = (config as Record<string, unknown>)[section.slice('lessonl.'.length)];
      return v === undefined ? null : v;
    }
    return other(i);
  });
}
