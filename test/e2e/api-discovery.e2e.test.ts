import { catalogue, startTestStack } from '../support/stack';
import { createTenant } from '../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * listApis describes each command's response fields (cmk completes `filter=` from them): every
 * command has them, and the objects real calls answer carry no field listApis does not name, nested
 * lists included. A field added to a view without `npm run api:fields` fails here.
 */
describe('listApis response fields', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let apis: Map<string, Obj>;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    apis = new Map(((await env.admin.ok('listApis')).api as Obj[]).map((a) => [a.name, a]));
  }, 120_000);
  afterAll(() => env.stop());

  it('describes a response for every command, each field with a name, a description and a type', () => {
    const bare = [...apis.values()].filter((a) => !a.response?.length).map((a) => a.name);
    // Always empty: Stratus has no public IP addresses or NAT rules, so no object to show fields of.
    expect(bare).toEqual(['listIpForwardingRules', 'listPortForwardingRules', 'listPublicIpAddresses']);
    for (const api of apis.values()) for (const f of api.response as Obj[]) expect(f).toEqual(expect.objectContaining({ name: expect.any(String), description: expect.any(String), type: expect.any(String) }));
    const vm = apis.get('deployVirtualMachine')!.response as Obj[];
    expect(vm.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'name', 'state', 'nic', 'keypairs', 'serviceofferingid']));
    expect(vm.find((f) => f.name === 'nic')).toMatchObject({ type: 'list', response: expect.arrayContaining([expect.objectContaining({ name: 'ipaddress' })]) });
  });

  it('names every field real answers carry', async () => {
    const cat = await catalogue(env.admin);
    const acme = await createTenant(env, 'discovery');
    await acme.user.client.ok('createSSHKeyPair', { name: 'discovery' });
    const deployed = await acme.user.client.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, keypair: 'discovery', userdata: Buffer.from('#!/bin/sh\n').toString('base64') });
    const job = await acme.user.client.waitForJob(deployed.jobid as string);
    const answers: Array<[string, Obj[]]> = [['deployVirtualMachine', [(job.jobresult as Obj).virtualmachine]]];
    for (const [command, key, params] of [
      ['listVirtualMachines', 'virtualmachine', { listall: true }],
      ['listVolumes', 'volume', { listall: true }],
      ['listZones', 'zone', {}],
      ['listHosts', 'host', {}],
      ['listAccounts', 'account', { listall: true }],
      ['listDomains', 'domain', { listall: true }],
      ['listServiceOfferings', 'serviceoffering', {}],
      ['listTemplates', 'template', { templatefilter: 'all' }],
      ['listResourceLimits', 'resourcelimit', {}],
      ['listSSHKeyPairs', 'sshkeypair', { listall: true }],
      ['listEvents', 'event', { listall: true }],
      ['listAsyncJobs', 'asyncjobs', { listall: true }],
    ] as const) answers.push([command, ((await env.admin.ok(command, params)) as Obj)[key] as Obj[]]);

    const missing: string[] = [];
    for (const [command, objects] of answers) {
      const described = new Map((apis.get(command)!.response as Obj[]).map((f) => [f.name as string, f]));
      for (const o of objects)
        for (const [name, value] of Object.entries(o)) {
          const field = described.get(name);
          if (!field) missing.push(`${command}: ${name}`);
          if (field && Array.isArray(value))
            for (const element of value.filter((e) => e && typeof e === 'object'))
              for (const sub of Object.keys(element)) if (!(field.response as Obj[] | undefined)?.some((f) => f.name === sub)) missing.push(`${command}: ${name}.${sub}`);
        }
    }
    expect([...new Set(missing)]).toEqual([]);
  }, 120_000);
});
