import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, type CompatStack } from '../helpers';

/**
 * A deploy that fits on no host, seen through the `cloudstack` CLI: hosts of 2 vCPU at 1 GHz and
 * 2 GiB cannot take the Large Instance (4 vCPU at 2 GHz, 8 GiB), so the job fails with 533.
 */
type Obj = Record<string, unknown>;

describe('the cs CLI (cloudstack) when no host can take the VM', () => {
  let env: CompatStack;
  let ids: { zone: string; large: string; template: string };
  const cs = (...args: string[]) => cloudstack(env.stack.apiUrl, env.stack.credentials, args);

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack({ simHost: { cpuNumber: 2, cpuSpeed: 1000, memoryTotal: 2048 } });
    const api = env.admin;
    const offerings = (await api.ok('listServiceOfferings', { name: 'Large Instance' })).serviceoffering as Obj[];
    const templates = (await api.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[];
    ids = { zone: env.stack.seed.zone.id, large: String(offerings[0].id), template: String(templates[0].id) };
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('prints the failed job and "Job failure", exits 1, and queryAsyncJobResult shows jobstatus 2 with 533 and why each host was ruled out', async () => {
    // Act
    const r = await cs('deployVirtualMachine', `serviceofferingid=${ids.large}`, `templateid=${ids.template}`, `zoneid=${ids.zone}`, 'name=toobig');

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CloudStack error: Job failure');
    const printed = jsonOf<{ queryasyncjobresultresponse: { jobid: string; jobstatus: number; jobresultcode: number } }>(r).queryasyncjobresultresponse;
    expect(printed).toMatchObject({ jobstatus: 2, jobresultcode: 533 });

    const queried = await cs('queryAsyncJobResult', `jobid=${printed.jobid}`);
    expect(queried.code).toBe(0);
    const job = jsonOf<{ jobstatus: number; jobresultcode: number; jobresult: { errorcode: number; errortext: string } }>(queried);
    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533, jobresult: { errorcode: 533 } });
    expect(job.jobresult.errortext).toMatch(/ruled out/);
    for (const host of env.stack.hosts) expect(job.jobresult.errortext).toContain(host.name);
  });
});
