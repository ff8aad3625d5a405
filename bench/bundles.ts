import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambdaEntries } from '../cdk/lambdas';
import { buildLambdaBundles } from '../local/lambda-bundles';
import { median } from './stats';

/**
 * The Lambda bundles CDK deploys (cdk/lambdas.ts: esbuild, ESM, minified, the createRequire banner,
 * @aws-sdk/* left to the runtime), built by local/lambda-bundles.ts, measured by size and by the time a fresh
 * Node process takes to import each one. The bundles go under the repository's .build/ (ignored by
 * git) so that their bare `@aws-sdk/*` imports resolve from node_modules, as they resolve from the
 * runtime's SDK on Lambda; ESM resolution follows the importing file, not cwd or NODE_PATH.
 */

export interface BundleResult {
  name: string;
  entry: string;
  minifiedBytes: number;
  /** Median over `runs` fresh processes of the dynamic import() time, in ms. */
  loadMs: number;
  loadSamplesMs: number[];
}

export interface BundlesResult {
  runs: number;
  node: string;
  /** The same measure on an empty module: what a fresh process pays before any of our code. */
  emptyModuleLoadMs: number;
  bundles: BundleResult[];
}

export function benchBundles(root: string, runs: number): BundlesResult {
  const outDir = join(root, '.build', 'bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const empty = join(outDir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const emptySamples = Array.from({ length: runs }, () => loadOnce(root, empty));

  // The very files the local stack runs and CDK deploys (cdk/lambdas.ts; a test checks they match).
  const { files } = buildLambdaBundles(root);
  const entries = lambdaEntries(root);
  const bundles: BundleResult[] = [];
  for (const [name, outfile] of Object.entries(files)) {
    const loadSamplesMs = Array.from({ length: runs }, () => loadOnce(root, outfile));
    bundles.push({ name, entry: entries[name], minifiedBytes: statSync(outfile).size, loadMs: median(loadSamplesMs), loadSamplesMs });
  }
  return { runs, node: process.version, emptyModuleLoadMs: median(emptySamples), bundles };
}

/** One fresh Node process (this same Node binary) that imports the file and prints how long it took. */
function loadOnce(root: string, file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    // What Lambda sets; the handlers read it lazily, but a module that read it at import must not fail.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', TABLE_NAME: 'stratus', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    encoding: 'utf8',
  });
  const ms = Number(out.trim().split('\n').pop());
  if (!Number.isFinite(ms)) throw new Error(`loading ${file} printed ${JSON.stringify(out)}`);
  return ms;
}
