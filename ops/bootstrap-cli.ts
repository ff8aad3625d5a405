import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createStore } from '../functions/store';
import { BOOTSTRAP_HELP, bootstrapDeployment, parseBootstrapArgs, stackOutputs } from './bootstrap';

/** `npm run bootstrap`: ops/bootstrap.ts with the real AWS clients (credentials from the usual chain). */
async function main(): Promise<void> {
  const opts = parseBootstrapArgs(process.argv.slice(2), process.env);
  if (opts === 'help') {
    console.log(BOOTSTRAP_HELP);
    return;
  }
  const aws = { cloudFormation: new CloudFormationClient({ region: opts.region }), ssm: new SSMClient({ region: opts.region }) };
  const { apiUrl, tableName } = await stackOutputs(aws, opts.stack);
  // The store reads its table and region from the environment, as the handlers do on Lambda.
  Object.assign(process.env, { TABLE_NAME: tableName, AWS_REGION: opts.region });
  delete process.env.DYNAMODB_ENDPOINT;
  const result = await bootstrapDeployment(createStore(), aws, opts, apiUrl, tableName);
  console.log(result.summary);
}

main().catch((err: Error) => {
  console.error(`stratus bootstrap: ${err.message}`);
  process.exit(1);
});
