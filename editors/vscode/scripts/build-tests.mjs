// Transpiles src/ and test/ to out/ (CommonJS, one file per module) for Node's
// test runner. Type checking is tsc's job (npm run typecheck); this only strips types.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

rmSync('out', { recursive: true, force: true });
await build({
  entryPoints: [...files('src'), ...files('test')],
  outdir: 'out',
  outbase: '.',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
