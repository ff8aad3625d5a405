import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CDK_BUNDLING } from '../../../cdk/lambdas';
import { buildLambdaBundles } from '../../../local/lambda-bundles';

const ROOT = path.resolve(__dirname, '../../..');

/** The code a bundle runs, without its source-map comment (which names the file it was written to). */
const code = (file: string) => readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '');

describe('Lambda bundles', () => {
  it('are byte for byte what CDK deploys: the local stack and the tests run the deployed code', () => {
    // Prepare: one function bundled by CDK itself (its esbuild, its options), as StratusStack declares them.
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'stratus-cdk-bundle-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Bundling');
      new NodejsFunction(stack, 'ChooseHost', {
        entry: path.join(ROOT, 'functions/steps/chooseHost.ts'),
        handler: 'handler',
        projectRoot: ROOT,
        depsLockFilePath: path.join(ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        bundling: { ...CDK_BUNDLING, format: OutputFormat.ESM },
      });
      // Act
      app.synth();
      const asset = readdirSync(outdir).find((d) => d.startsWith('asset.'));
      const local = buildLambdaBundles(ROOT).files.chooseHost;
      // Assess
      expect(asset).toBeDefined();
      const deployed = code(path.join(outdir, asset!, 'index.mjs'));
      expect(deployed.length).toBeGreaterThan(10_000);
      expect(code(local) === deployed).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
