import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StratusStack } from './stack';

/**
 * `npm run synth` / `cdk deploy` entry (cdk.json: `npx tsx cdk/app.ts`). Without credentials the
 * CDK_DEFAULT_* variables are unset and the stack is environment-agnostic, which synthesizes offline.
 * `-c stratus:deletionProtection=false` gives a throwaway table; `-c stratus:alarmTopicArn=<arn>` sends
 * every operational alarm to that SNS topic.
 */
const app = new App();
const deletionProtection = String(app.node.tryGetContext('stratus:deletionProtection') ?? true) !== 'false';

new StratusStack(app, 'Stratus', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  deletionProtection,
  alarmTopicArn: app.node.tryGetContext('stratus:alarmTopicArn') as string | undefined,
  description: 'Stratus: a serverless VM control plane that speaks the CloudStack API',
});

// cdk-nag 3 is a policy-validation plugin: an unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
