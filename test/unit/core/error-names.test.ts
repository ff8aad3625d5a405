import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_ESBUILD } from '../../../cdk/lambdas';

/**
 * Workflows (Catch, Retry) and recordJobFailure know errors by their `name`, and the deployed bundles
 * are minified, which renames classes: every error class must name itself with a string literal.
 */
const ROOT = path.resolve(__dirname, '../../..');
const CLASS = /(?:export\s+)?(abstract\s+)?class\s+(\w+)\s+extends\s+(\w*Error)\b[^{]*\{([\s\S]*?)\n\}/g;
/** DriverError takes its name as an argument (the agent's error names come from its callers). */
const NAMED_BY_ARGUMENT = new Set(['DriverError']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function errorClasses(folders: string[]) {
  return folders.flatMap((folder) =>
    sourceFiles(path.join(ROOT, folder)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(CLASS)].map((m) => ({ file: path.relative(ROOT, file), abstract: !!m[1], name: m[2], body: m[4] })),
    ),
  );
}

describe('error class names', () => {
  it('are string literals in every error class of core, functions, agent and local', () => {
    // Prepare
    const classes = errorClasses(['core', 'functions', 'agent', 'local']);
    // Act
    const unnamed = classes
      .filter((c) => !NAMED_BY_ARGUMENT.has(c.name))
      .filter((c) => (c.abstract ? !/abstract override readonly name: string;/.test(c.body) : !/name = '[\w.]+'/.test(c.body)))
      .map((c) => `${c.file}: ${c.name}`);
    // Assess
    expect(classes.length).toBeGreaterThan(20);
    expect(unnamed).toEqual([]);
  });

  it('survive the production bundle: each error thrown by minified code keeps its class name', () => {
    // Prepare: every module of the Lambda code that declares error classes, bundled as CDK bundles it.
    const concrete = errorClasses(['core', 'functions']).filter((c) => !c.abstract && !NAMED_BY_ARGUMENT.has(c.name));
    const modules = [...new Set(concrete.map((c) => c.file))];
    const dir = path.join(ROOT, '.build', 'error-names');
    mkdirSync(dir, { recursive: true });
    const entry = path.join(dir, 'entry.ts');
    // One `export { A, B }` per module: the names a consumer sees, whatever the minifier does inside.
    writeFileSync(
      entry,
      modules
        .map((m) => `export { ${concrete.filter((c) => c.file === m).map((c) => c.name).join(', ')} } from '${path.relative(dir, path.join(ROOT, m)).replace(/\.ts$/, '')}';`)
        .join('\n'),
    );
    buildSync({ ...LAMBDA_ESBUILD, mainFields: [...LAMBDA_ESBUILD.mainFields], external: [...LAMBDA_ESBUILD.external], entryPoints: [entry], outfile: path.join(dir, 'index.mjs'), logLevel: 'error' });
    // Act: a plain Node process imports the bundle, as Lambda's runtime does, and names one of each.
    const probe = `const m = await import(${JSON.stringify(path.join(dir, 'index.mjs'))});
      const out = {};
      for (const [exported, C] of Object.entries(m)) out[exported] = new C('a', 'b', 'c').name;
      console.log(JSON.stringify(out));`;
    const names = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' })) as Record<string, string>;
    // Assess
    expect(Object.keys(names).sort()).toEqual(concrete.map((c) => c.name).sort().filter((n, i, a) => a.indexOf(n) === i));
    for (const [exported, name] of Object.entries(names)) expect({ exported, name }).toEqual({ exported, name: exported });
  });
});
