import { parseArgs } from 'node:util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { seedInventory, writeCredentialsFile } from '../functions/bootstrap/seed';
import type { Store } from '../functions/store';
import { documentClient } from '../functions/store/client';
import { migrateData } from './migrate-data';

/**
 * `npm run bootstrap -- --stack <name> [--region <region>]`: seeds a deployed stack's table the
 * way `npm start` seeds the local one (functions/bootstrap/seed.ts, idempotent: ids come from
 * names and the admin key pair is made once), then keeps the admin's keys in two SSM SecureString
 * parameters, never in stack outputs or on the terminal. Run it again at any time: it changes
 * nothing that exists.
 *
 * The AWS clients come in as `send` functions so that the test drives this very code with DynamoDB
 * Local for the table and in-memory stand-ins for CloudFormation and SSM.
 */
export const BOOTSTRAP_HELP = `Usage: npm run bootstrap -- --stack <name> [--region <region>] [--hypervisor KVM|Simulator] [--credentials-file <path>]
  Seeds the deployed stack's inventory (ROOT domain, admin account and key pair, zone1/pod1/cluster1,
  offerings, a template, a shared guest network) and stores the admin keys in SSM Parameter Store as
  SecureString parameters /stratus/<stack>/admin/api-key and /stratus/<stack>/admin/secret-key.
  --credentials-file also writes them to a file (mode 0600) that sets CLOUDSTACK_ENDPOINT/KEY/SECRET.`;

/** What the bootstrap sends to AWS besides DynamoDB. */
export interface BootstrapAws {
  cloudFormation: { send(command: DescribeStacksCommand): Promise<{ Stacks?: Array<{ Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> }> }> };
  ssm: { send(command: GetParameterCommand | PutParameterCommand): Promise<{ Parameter?: { Value?: string } }> };
}

export interface BootstrapOptions {
  stack: string;
  region: string;
  hypervisor: 'KVM' | 'Simulator';
  credentialsFile?: string;
}

export interface BootstrapResult {
  apiUrl: string;
  tableName: string;
  parameters: { apiKey: string; secretKey: string };
  /** Whether this run wrote the parameters (false when they already held these keys). */
  storedKeys: boolean;
  summary: string;
}

export function parseBootstrapArgs(argv: string[], env: NodeJS.ProcessEnv): BootstrapOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      hypervisor: { type: 'string', default: 'KVM' },
      'credentials-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  if (!values.stack) throw new Error('--stack is required (the CloudFormation stack name cdk deploy created, e.g. Stratus)');
  // CloudFormation's own rule for stack names; the name also becomes part of the SSM parameter paths.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(values.stack)) throw new Error(`--stack must be a CloudFormation stack name (a letter, then letters, digits and hyphens), not ${values.stack}`);
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('no region: pass --region or set AWS_REGION');
  if (values.hypervisor !== 'KVM' && values.hypervisor !== 'Simulator') throw new Error(`--hypervisor must be KVM or Simulator, not ${values.hypervisor}`);
  return { stack: values.stack, region, hypervisor: values.hypervisor, credentialsFile: values['credentials-file'] };
}

/** Where the admin keys live: one SecureString parameter per key, under the stack's name. */
export function adminKeyParameters(stack: string): { apiKey: string; secretKey: string } {
  return { apiKey: `/stratus/${stack}/admin/api-key`, secretKey: `/stratus/${stack}/admin/secret-key` };
}

/** The stack's outputs that the bootstrap needs (cdk/stack.ts: ApiUrl, TableName). */
export async function stackOutputs(aws: BootstrapAws, stack: string): Promise<{ apiUrl: string; tableName: string }> {
  const { Stacks } = await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const apiUrl = outputs.get('ApiUrl');
  const tableName = outputs.get('TableName');
  if (!apiUrl || !tableName) throw new Error(`stack ${stack} has no ApiUrl and TableName outputs: is it a Stratus stack, deployed with cdk deploy?`);
  return { apiUrl, tableName };
}

/** Seeds the inventory behind `store` (the deployed table) and stores the admin keys. */
export async function bootstrapDeployment(store: Store, aws: BootstrapAws, opts: BootstrapOptions, apiUrl: string, tableName: string): Promise<BootstrapResult> {
  // A table written by an older Stratus is brought to today's data shape first (idempotent, once).
  const migrated = await migrateData(documentClient(), tableName);
  // The admin's login password, when STRATUS_ADMIN_PASSWORD is given (set once; change it with updateUser).
  const seed = await seedInventory(store, { hypervisor: opts.hypervisor, adminPassword: process.env.STRATUS_ADMIN_PASSWORD });
  const parameters = adminKeyParameters(opts.stack);
  const wroteApiKey = await putSecureString(aws, parameters.apiKey, seed.admin.apiKey, `Stratus ${opts.stack}: the admin user's API key`);
  const wroteSecret = await putSecureString(aws, parameters.secretKey, seed.admin.secretKey, `Stratus ${opts.stack}: the admin user's secret key`);
  if (opts.credentialsFile) writeCredentialsFile(opts.credentialsFile, 'npm run bootstrap', apiUrl, seed.admin);
  const fetchKey = (name: string) => `$(aws ssm get-parameter --region ${opts.region} --name ${name} --with-decryption --query Parameter.Value --output text)`;
  const summary = `Stratus stack ${opts.stack} (${opts.region}) is bootstrapped.
  CloudStack API: ${apiUrl}
  Table:          ${tableName}, data version ${migrated.to}${migrated.from < migrated.to ? ` (migrated from ${migrated.from}: ${migrated.updated} items re-indexed)` : ''}
  Zone:           ${seed.zone.name} (${seed.zone.id}), pod ${seed.pod.name}, cluster ${seed.cluster.name} (${opts.hypervisor})
  Admin keys:     SSM SecureString ${parameters.apiKey} and ${parameters.secretKey}${wroteApiKey || wroteSecret ? '' : ' (unchanged)'}
To call the API with cs:
  export CLOUDSTACK_ENDPOINT=${apiUrl}
  export CLOUDSTACK_KEY=${fetchKey(parameters.apiKey)}
  export CLOUDSTACK_SECRET=${fetchKey(parameters.secretKey)}
  cloudstack listZones`;
  return { apiUrl, tableName, parameters, storedKeys: wroteApiKey || wroteSecret, summary };
}

/** Writes the parameter unless it already holds `value` (so re-runs add no parameter versions). */
async function putSecureString(aws: BootstrapAws, name: string, value: string, description: string): Promise<boolean> {
  try {
    const { Parameter } = await aws.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (Parameter?.Value === value) return false;
  } catch (err) {
    if ((err as Error).name !== 'ParameterNotFound') throw err;
  }
  await aws.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true, Description: description }));
  return true;
}
