import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { median } from './stats';

/**
 * Lambda bundles as CDK builds them (cdk/stack.ts nodeFunction: esbuild, ESM, minified, the
 * createRequire banner, @aws-sdk/* left to the runtime), measured by size and by the time a fresh
 * Node process takes to import each one. The bundles go under the repository's .build/ (ignored by
 * git) so that their bare `@aws-sdk/*` imports resolve from node_modules, as they resolve from the
 * runtime's SDK on Lambda; ESM resolution follows the importing file, not cwd or NODE_PATH.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

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

export async function benchBundles(root: string, stepNames: readonly string[], runs: number): Promise<BundlesResult> {
  const entries = [
    { name: 'api', entry: 'functions/api/handler.ts' },
    { name: 'agent-gateway', entry: 'functions/agent-gateway/handler.ts' },
    ...stepNames.map((s) => ({ name: `step-${s}`, entry: `functions/steps/${s}.ts` })),
  ];
  const outDir = join(root, '.build', 'bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const empty = join(outDir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const emptySamples = Array.from({ length: runs }, () => loadOnce(root, empty));

  // Loaded at run time: esbuild finds its native binary relative to its own package, so it cannot
  // be bundled into the bench itself (local/run.cjs bundles this entry).
  const { build } = createRequire(join(root, 'package.json'))('esbuild') as typeof import('esbuild');
  const bundles: BundleResult[] = [];
  for (const { name, entry } of entries) {
    const outfile = join(outDir, name, 'index.mjs');
    await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      external: ['@aws-sdk/*'],
      tsconfig: join(root, 'tsconfig.json'),
      logLevel: 'warning',
    });
    const loadSamplesMs = Array.from({ length: runs }, () => loadOnce(root, outfile));
    bundles.push({ name, entry: relative(root, join(root, entry)), minifiedBytes: statSync(outfile).size, loadMs: median(loadSamplesMs), loadSamplesMs });
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
