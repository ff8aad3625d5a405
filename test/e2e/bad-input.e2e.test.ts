import { CloudStackClient } from '../../local/cloudstack-client';
import { catalogue, startTestStack } from '../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Bad requests get the error a real CloudStack server gives (code, envelope, exact text), and none
 * leaves a half-written VM or job behind.
 */
describe('bad input through signed HTTP', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let vmsBefore: number;
  let jobsBefore: number;

  const count = async (command: string, key: string) => (((await env.admin.ok(command, { listall: true }))[key] as unknown[]) ?? []).length;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    vmsBefore = await count('listVirtualMachines', 'virtualmachine');
    jobsBefore = await count('listAsyncJobs', 'asyncjobs');
  });
  afterAll(async () => {
    // Nothing any of the bad requests did left a VM or a job behind.
    expect(await count('listVirtualMachines', 'virtualmachine')).toBe(vmsBefore);
    expect(await count('listAsyncJobs', 'asyncjobs')).toBe(jobsBefore);
    await env.stop();
  });

  const deployParams = () => ({ serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid });
  const AUTH_TEXT = 'unable to verify user credentials and/or request signature';

  it.each([
    ['an unsigned request', { unsigned: true }],
    ['a request signed with the wrong secret', { secretKey: 'not-the-secret' }],
    ['an expired request', { expires: new Date(Date.now() - 60_000) }],
  ])('refuses %s with 401', async (_, override) => {
    const reply = await env.admin.call('listZones', {}, override);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ listzonesresponse: { uuidList: [], errorcode: 401, errortext: AUTH_TEXT } });
  });

  it('refuses an unknown API key with 401', async () => {
    const stranger = new CloudStackClient(env.stack.apiUrl, 'no-such-key', 'whatever');
    const reply = await stranger.call('listZones');
    expect(reply.status).toBe(401);
    expect(reply.data).toMatchObject({ errorcode: 401, errortext: AUTH_TEXT });
  });

  it('answers an unknown command with 432 in errorresponse, and a CloudStack command Stratus lacks by name', async () => {
    const reply = await env.admin.call('launchRocket');
    expect(reply.status).toBe(432);
    expect(Object.keys(reply.body)).toEqual(['errorresponse']);
    expect(reply.data).toMatchObject({ errorcode: 432, errortext: "The given command 'launchRocket' either does not exist, is not available for user, or not available from ip address '127.0.0.1'." });
    const known = await env.admin.call('createNetwork', { name: 'n', displaytext: 'n' });
    expect(known.data).toMatchObject({ errorcode: 432, errortext: expect.stringContaining('The API command createNetwork is not supported by Stratus') });
  });

  it('names a missing required parameter with the exact 431 text', async () => {
    const { zoneid: _, ...withoutZone } = deployParams();
    const reply = await env.admin.call('deployVirtualMachine', withoutZone);
    expect(reply.status).toBe(431);
    expect(reply.body).toEqual({
      deployvirtualmachineresponse: { uuidList: [], errorcode: 431, cserrorcode: 9999, errortext: 'Unable to execute API command deployvirtualmachine due to missing parameter zoneid' },
    });
  });

  it.each([
    ['an unknown offering id', 'serviceofferingid', '0b2c4a3e-93c7-4c36-9b5e-1f0a5f8f2c11'],
    ['a template id that is not a UUID', 'templateid', 'not-a-uuid'],
    ['an upper-case UUID', 'zoneid', '0B2C4A3E-93C7-4C36-9B5E-1F0A5F8F2C11'],
  ])('answers %s with the exact 431 "Invalid parameter" text', async (_, param, value) => {
    const reply = await env.admin.call('deployVirtualMachine', { ...deployParams(), [param]: value });
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toBe(
      `Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
    );
  });

  // The commands of issue 4: a missing, malformed or unknown id is CloudStack's 431, before any job starts.
  const UNKNOWN = '3c9d1f0e-2a4b-4c5d-8e6f-7a8b9c0d1e2f';
  const invalid = (command: string, param: string, value: string) =>
    `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;
  it.each([
    ['scaleVirtualMachine', { serviceofferingid: UNKNOWN }, 'id'],
    ['changeServiceForVirtualMachine', { serviceofferingid: UNKNOWN }, 'id'],
    ['migrateVirtualMachine', {}, 'virtualmachineid'],
    ['findHostsForMigration', {}, 'virtualmachineid'],
    ['prepareHostForMaintenance', {}, 'id'],
    ['cancelHostMaintenance', {}, 'id'],
    // Storage and images (issue 11)
    ['restoreVirtualMachine', {}, 'virtualmachineid'],
    ['attachIso', { id: UNKNOWN }, 'virtualmachineid'],
    ['detachIso', {}, 'virtualmachineid'],
    ['updateIso', {}, 'id'],
    ['deleteIso', {}, 'id'],
    ['deleteTemplate', {}, 'id'],
  ])('%s: names a missing %s, and refuses a malformed or unknown one', async (command, rest, param) => {
    const missing = await env.admin.call(command, rest as Record<string, string>);
    expect(missing.data).toMatchObject({ errorcode: 431, errortext: `Unable to execute API command ${command.toLowerCase()} due to missing parameter ${param}` });
    for (const value of ['not-a-uuid', UNKNOWN]) {
      const reply = await env.admin.call(command, { ...(rest as Record<string, string>), [param]: value });
      expect(reply.data).toMatchObject({ errorcode: 431, errortext: invalid(command, param, value) });
    }
  });

  it('refuses a migration to an unknown host, and a scale to an unknown offering, naming the parameter, starting no job', async () => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { ...deployParams(), name: 'bad-input-mover' })) as { jobid: string; id: string };
    expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
    const jobsWithDeploy = await count('listAsyncJobs', 'asyncjobs');
    const toHost = await env.admin.call('migrateVirtualMachine', { virtualmachineid: id, hostid: UNKNOWN });
    expect(toHost.data).toMatchObject({ errorcode: 431, errortext: invalid('migrateVirtualMachine', 'hostid', UNKNOWN) });
    const toOffering = await env.admin.call('scaleVirtualMachine', { id, serviceofferingid: UNKNOWN });
    expect(toOffering.data).toMatchObject({ errorcode: 431, errortext: invalid('scaleVirtualMachine', 'serviceofferingid', UNKNOWN) });
    expect(await count('listAsyncJobs', 'asyncjobs')).toBe(jobsWithDeploy);
    // The VM goes again (expunged, it is not listed); its deploy and destroy jobs are this test's own.
    await env.admin.waitForJob(((await env.admin.ok('destroyVirtualMachine', { id, expunge: true })) as { jobid: string }).jobid);
    jobsBefore += 2;
  });

  it('answers an unknown network the same way, before any VM is written', async () => {
    const reply = await env.admin.call('deployVirtualMachine', { ...deployParams(), networkids: '7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0' });
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toContain('Invalid parameter networkids value=7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 due to incorrect long value format');
  });

  it.each([
    [{}, 'Unable to execute API command listtemplates due to missing parameter templatefilter'],
    [{ templatefilter: 'everything' }, 'Unable to execute API command listtemplates due to invalid value everything for parameter templatefilter'],
  ])('checks listTemplates %j with 431', async (params, text) => {
    const reply = await env.admin.call('listTemplates', params as Record<string, string>);
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toBe(text);
  });

  it('answers an unknown job id the way Go clients recognise', async () => {
    const reply = await env.admin.call('queryAsyncJobResult', { jobid: '5d3f3a8e-1b1c-4c5e-9a44-0d8c1e2f3a4b' });
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toContain('Invalid parameter jobid value=5d3f3a8e-1b1c-4c5e-9a44-0d8c1e2f3a4b due to incorrect long value format');
  });

  it('refuses a host name that breaks RFC 1123', async () => {
    const reply = await env.admin.call('deployVirtualMachine', { ...deployParams(), name: '-bad_name-' });
    expect(reply.status).toBe(431);
    expect(reply.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: expect.stringContaining('Instance name can not be longer than 63 characters') });
  });

  it('refuses a malformed map parameter with 430', async () => {
    const reply = await env.admin.call('deployVirtualMachine', { ...deployParams(), 'details[x].cpuNumber': '2' });
    expect(reply.status).toBe(430);
    expect(reply.data.errortext).toBe('Unable to decode parameter details[x].cpuNumber; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup');
  });

  it.each([
    [{ pagesize: 10 }, '"page" parameter is required when "pagesize" is specified'],
    [{ page: 1 }, '"pagesize" parameter is required when "page" is specified'],
    [{ page: 1, pagesize: 501 }, "Page size can't exceed max allowed page size value: 500"],
    [{ page: 'one', pagesize: 10 }, 'Unable to execute API command listvirtualmachines due to invalid value one for parameter page'],
  ])('refuses bad paging %j with 431', async (paging, text) => {
    const reply = await env.admin.call('listVirtualMachines', paging as Record<string, string | number>);
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toBe(text);
  });

  it('accepts a POST form with an empty query string, as the Go SDK sends', async () => {
    const reply = await env.admin.call('listZones', {}, { method: 'POST' });
    expect(reply.status).toBe(200);
    expect((reply.data.zone as Obj[])[0].id).toBe(cat.zoneid);
  });
});
