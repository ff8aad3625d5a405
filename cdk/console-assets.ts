import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';

/**
 * The web console's files (console/): index.html, app.js and app.css, bundled by esbuild with Preact's
 * JSX. One build for both fronts: the local stack serves it from memory at `/`, the CDK stack uploads
 * it to the console bucket behind CloudFront. No aws-cdk-lib import here: the local stack loads this file.
 */
export const CONSOLE_ESBUILD: BuildOptions = {
  bundle: true,
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari17'],
  format: 'esm',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: 'app',
  legalComments: 'none',
};

/** What the console's pages may load and who may frame them: served by the local front and by CloudFront. */
export const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

export interface ConsoleFile {
  name: string;
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';

/** The console's files, built now (about a tenth of a second). */
export function buildConsole(root: string): ConsoleFile[] {
  const result = buildSync({ ...CONSOLE_ESBUILD, absWorkingDir: root, entryPoints: [join(root, 'console/src/main.tsx')], outdir: join(root, '.build/console'), write: false });
  const built = result.outputFiles.map((f) => ({ name: basename(f.path), type: typeOf(f.path), body: Buffer.from(f.contents) }));
  return [{ name: 'index.html', type: typeOf('index.html'), body: readFileSync(join(root, 'console/index.html')) }, ...built];
}

/** The console's files written to `dir` (for the CDK stack's bucket deployment). */
export function writeConsole(root: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of buildConsole(root)) writeFileSync(join(dir, f.name), f.body);
  return dir;
}
