import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_ESBUILD, lambdaEntries } from '../cdk/lambdas';
import { projectRoot } from './paths';

/**
 * Every Lambda function built exactly as CDK bundles it for AWS (cdk/lambdas.ts: minified ESM), so
 * the local stack and every test run the deployed shape of the code, not the TypeScript sources.
 * A build is reused while none of its input files changed: each test file starts a stack.
 */
export interface LambdaBundles {
  /** Function name (`api`, `chooseHost`, `reconcile`, ...) -> absolute path of its `index.mjs`. */
  files: Record<string, string>;
  dir: string;
}

interface Manifest {
  inputs: string[];
}

const sha1 = (text: string | Buffer) => createHash('sha1').update(text).digest('hex');

export function buildLambdaBundles(root = projectRoot()): LambdaBundles {
  const entries = lambdaEntries(root);
  const base = join(root, '.build', 'lambda');
  mkdirSync(base, { recursive: true });
  const manifestFile = join(base, 'manifest.json');
  // The inputs the last build read (sources and node_modules files alike) decide whether it is current.
  const digestOf = (inputs: string[]) =>
    sha1(JSON.stringify({ LAMBDA_ESBUILD, entries }) + inputs.map((f) => `${f}:${existsSync(join(root, f)) ? sha1(readFileSync(join(root, f))) : '-'}`).join('\n')).slice(0, 16);
  const located = (dir: string): LambdaBundles => ({ dir, files: Object.fromEntries(Object.keys(entries).map((name) => [name, join(dir, name, 'index.mjs')])) });
  const previous: Manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : { inputs: [] };
  if (previous.inputs.length > 0) {
    const current = join(base, digestOf(previous.inputs));
    if (existsSync(join(current, 'complete'))) return located(current);
  }

  // Built aside and renamed into place, so that a stack starting meanwhile never loads half a build.
  const scratch = join(base, `build-${process.pid}.tmp`);
  rmSync(scratch, { recursive: true, force: true });
  const result = buildSync({
    ...LAMBDA_ESBUILD,
    mainFields: [...LAMBDA_ESBUILD.mainFields],
    external: [...LAMBDA_ESBUILD.external],
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, entry]) => [`${name}/index`, join(root, entry)])),
    outdir: scratch,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: root,
    metafile: true,
    logLevel: 'warning',
  });
  writeFileSync(join(scratch, 'complete'), '');
  const inputs = Object.keys(result.metafile.inputs).sort();
  const dir = join(base, digestOf(inputs));
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another process built the same inputs first
  }
  writeFileSync(manifestFile, JSON.stringify({ inputs } satisfies Manifest));
  removeStaleBuilds(base, dir);
  return located(dir);
}

/** Builds older than a day that are not the current one (each is ~50 MB with its source maps). */
function removeStaleBuilds(base: string, keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    if (path === keep || name === 'manifest.json') continue;
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}
