import path from 'node:path';
import { loadWorkflows } from './workflows';

/**
 * What every Stratus Lambda function is and how it is bundled: one definition that the CDK stack
 * deploys and the local runtime (local/lambda-bundles.ts) builds and runs, so the tests exercise the
 * same minified ESM the cloud runs. No aws-cdk-lib import here: the local runtime loads this file.
 */

// Lambda's Node runtime loads `.mjs` as ESM; the banner lets bundled CommonJS dependencies still `require`.
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** esbuild's options, as NodejsFunction passes them for `bundling` below and runtime nodejs22.x. */
export const LAMBDA_ESBUILD = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  // The runtime's AWS SDK v3 is used (CDK's default for nodejs18.x and later).
  external: ['@aws-sdk/*'],
} as const;

/** The same options in NodejsFunction's terms (OutputFormat.ESM is the string 'esm'). */
export const CDK_BUNDLING = {
  format: LAMBDA_ESBUILD.format,
  banner: ESM_REQUIRE_BANNER,
  mainFields: [...LAMBDA_ESBUILD.mainFields],
  minify: LAMBDA_ESBUILD.minify,
  sourceMap: LAMBDA_ESBUILD.sourcemap,
  externalModules: [...LAMBDA_ESBUILD.external],
};

/** The scheduled functions: EventBridge Scheduler ticks each every minute (locally, a timer). */
export const SCHEDULED_FUNCTIONS = [
  { id: 'ExpungeDestroyed', name: 'expungeDestroyed', entry: 'functions/scheduled/expungeDestroyed.ts', starts: ['expunge-vm'] },
  { id: 'Reconcile', name: 'reconcile', entry: 'functions/scheduled/reconcile.ts', starts: [] as string[] },
  { id: 'HaMonitor', name: 'haMonitor', entry: 'functions/scheduled/haMonitor.ts', starts: ['start-vm'] },
  // At the start of every minute (schedules are due on whole minutes), so a run is seconds late, never a minute.
  { id: 'BackupScheduler', name: 'backupScheduler', entry: 'functions/scheduled/backupScheduler.ts', starts: ['backup-vm'], onTheMinute: true },
  // The backup sync (repositories measured), every backup.framework.sync.interval.
  { id: 'BackupSync', name: 'backupSync', entry: 'functions/scheduled/backupSync.ts', starts: ['sync-backup-repository'] },
] as const;

/**
 * Every function by the name the local runtime calls it, with its entry relative to the project
 * root: the api, the agent gateway, one per workflow step, and the scheduled ones.
 */
export function lambdaEntries(projectRoot: string): Record<string, string> {
  const entries: Record<string, string> = {
    api: 'functions/api/handler.ts',
    agentGateway: 'functions/agent-gateway/handler.ts',
  };
  for (const wf of loadWorkflows(path.join(projectRoot, 'workflows'))) {
    for (const step of wf.steps.values()) entries[step] = `functions/steps/${step}.ts`;
  }
  for (const s of SCHEDULED_FUNCTIONS) entries[s.name] = s.entry;
  return entries;
}
