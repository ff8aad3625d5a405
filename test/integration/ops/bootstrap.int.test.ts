import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Store } from '../../../functions/store';
import { bootstrapDeployment, parseBootstrapArgs, stackOutputs, type BootstrapAws } from '../../../ops/bootstrap';
import { startStore } from '../helpers/dynamodb-local';

/**
 * `npm run bootstrap` against DynamoDB Local: the same seeding code and the same SSM calls as on AWS
 * (ops/bootstrap.ts), with CloudFormation and SSM answered in memory. Running it twice changes
 * nothing: the same keys, no new parameter versions, one of each seeded thing.
 */
describe('npm run bootstrap', () => {
  let local: Awaited<ReturnType<typeof startStore>>;
  let store: Store;
  beforeAll(async () => {
    local = await startStore('bootstrap');
    store = local.store;
  });
  afterAll(() => local.stop());

  const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/client/api';

  function fakeAws(outputs: Record<string, string>): BootstrapAws & { parameters: Map<string, { value: string; type?: string; versions: number }>; stacksAsked: string[] } {
    const parameters = new Map<string, { value: string; type?: string; versions: number }>();
    const stacksAsked: string[] = [];
    return {
      parameters,
      stacksAsked,
      cloudFormation: {
        send: async (command: DescribeStacksCommand) => {
          stacksAsked.push(command.input.StackName ?? '');
          return { Stacks: [{ Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
        },
      },
      ssm: {
        send: async (command: GetParameterCommand | PutParameterCommand) => {
          const name = command.input.Name ?? '';
          if (command instanceof GetParameterCommand) {
            const p = parameters.get(name);
            if (!p) throw new ParameterNotFound({ message: `parameter ${name} not found`, $metadata: {} });
            return { Parameter: { Value: p.value } };
          }
          const input = (command as PutParameterCommand).input;
          const before = parameters.get(name);
          if (before && !input.Overwrite) throw new Error('ParameterAlreadyExists');
          parameters.set(name, { value: input.Value ?? '', type: input.Type, versions: (before?.versions ?? 0) + 1 });
          return {};
        },
      },
    };
  }

  it('seeds the table, keeps the admin keys as SecureString parameters, and changes nothing when run again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-bootstrap-'));
    const credentialsFile = join(dir, 'credentials.env');
    const opts = parseBootstrapArgs(['--stack', 'Stratus', '--region', 'eu-west-1', '--credentials-file', credentialsFile], {});
    if (opts === 'help') throw new Error('unexpected help');
    const aws = fakeAws({ ApiUrl: API_URL, TableName: 'bootstrap' });
    const { apiUrl, tableName } = await stackOutputs(aws, opts.stack);
    expect(aws.stacksAsked).toEqual(['Stratus']);

    const first = await bootstrapDeployment(store, aws, opts, apiUrl, tableName);
    expect(first.storedKeys).toBe(true);
    const apiKey = aws.parameters.get('/stratus/Stratus/admin/api-key');
    const secretKey = aws.parameters.get('/stratus/Stratus/admin/secret-key');
    expect(apiKey).toMatchObject({ type: 'SecureString', versions: 1 });
    expect(secretKey).toMatchObject({ type: 'SecureString', versions: 1 });
    // The stored pair is the one the API verifies signatures with, and it is the root admin's.
    const known = await store.credentials.lookup(apiKey!.value);
    expect(known?.secretKey).toBe(secretKey!.value);
    expect(known?.caller).toMatchObject({ username: 'admin', role: 'rootAdmin', domainPath: 'ROOT' });
    // The secret never reaches the terminal; the file that holds it is the owner's alone.
    expect(first.summary).not.toContain(secretKey!.value);
    expect(first.summary).toContain(`export CLOUDSTACK_ENDPOINT=${API_URL}`);
    expect(first.summary).toContain('--name /stratus/Stratus/admin/secret-key --with-decryption');
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(credentialsFile, 'utf8')).toContain(`export CLOUDSTACK_SECRET=${secretKey!.value}`);

    const zones = await store.inventory.listZones();
    const clusters = await store.inventory.listClusters();
    expect(clusters.map((c) => c.hypervisor)).toEqual(['KVM']);

    const again = await bootstrapDeployment(store, aws, opts, apiUrl, tableName);
    expect(again.storedKeys).toBe(false);
    expect(again.summary).toContain('(unchanged)');
    expect(aws.parameters.get('/stratus/Stratus/admin/api-key')).toEqual(apiKey);
    expect(aws.parameters.get('/stratus/Stratus/admin/secret-key')).toEqual(secretKey);
    expect(await store.inventory.listZones()).toEqual(zones);
    expect(await store.inventory.listUsers()).toHaveLength(1);
    expect(await store.inventory.listServiceOfferings()).toHaveLength(4);
  });

  it('refuses a stack that is not a Stratus stack, and arguments it cannot use', async () => {
    await expect(stackOutputs(fakeAws({ BucketName: 'b' }), 'Other')).rejects.toThrow('stack Other has no ApiUrl and TableName outputs');
    expect(() => parseBootstrapArgs(['--region', 'eu-west-1'], {})).toThrow('--stack is required');
    expect(() => parseBootstrapArgs(['--stack', 'S'], {})).toThrow('no region: pass --region or set AWS_REGION');
    expect(parseBootstrapArgs(['--stack', 'S'], { AWS_REGION: 'us-west-2' })).toMatchObject({ stack: 'S', region: 'us-west-2', hypervisor: 'KVM' });
    expect(() => parseBootstrapArgs(['--stack', 'S', '--region', 'r', '--hypervisor', 'XenServer'], {})).toThrow('--hypervisor must be KVM or Simulator, not XenServer');
    expect(() => parseBootstrapArgs(['--stack', 'my stack/../x', '--region', 'r'], {})).toThrow('--stack must be a CloudFormation stack name (a letter, then letters, digits and hyphens), not my stack/../x');
    expect(parseBootstrapArgs(['--help'], {})).toBe('help');
  });
});
