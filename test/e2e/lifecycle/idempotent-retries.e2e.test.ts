import { createServer, request, type Server } from 'node:http';
import { CloudStackClient } from '../../../local/cloudstack-client';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Safe retries with the `idempotencykey` extension parameter: a deploy whose response is dropped on
 * the way back (a proxy reads the whole answer, then cuts the connection) and is retried with the
 * same key answers the same VM and job, and one VM exists; a key reused with other parameters is
 * refused; a request that failed releases its key; reads and requests without a key are untouched.
 */
describe('idempotent retries', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let acme: Tenant;
  let proxy: Server;
  let proxyUrl: string;
  let dropNext = 0;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    acme = await createTenant(env, 'retry-acme');
    const target = new URL(env.stack.apiUrl);
    // Forwards each request; while dropNext > 0 it lets the request complete upstream and then
    // cuts the client's connection instead of answering (the answer is lost on the way back).
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            if (dropNext > 0) {
              dropNext -= 1;
              req.socket.destroy();
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers).end(Buffer.concat(body));
          });
        });
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const addr = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/client/api`;
  }, 120_000);
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
    await env.stop();
  });

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!;
  const deployParams = (name: string, key: string) => ({ serviceofferingid: small().id, templateid: cat.templateid, zoneid: cat.zoneid, name, idempotencykey: key });
  const vmsNamed = async (name: string) => ((await acme.user.client.ok('listVirtualMachines', { name })).virtualmachine as Obj[] | undefined) ?? [];

  it('answers a deploy retried after its response was dropped with the first call\'s VM and job, and makes one VM', async () => {
    const viaProxy = new CloudStackClient(proxyUrl, acme.user.apiKey, acme.user.secretKey);
    dropNext = 1;
    await expect(viaProxy.call('deployVirtualMachine', deployParams('retried', 'deploy-retried-1'))).rejects.toThrow();
    // The deploy went through on the server: its VM exists already.
    expect(await vmsNamed('retried')).toHaveLength(1);

    const retry = await viaProxy.call('deployVirtualMachine', deployParams('retried', 'deploy-retried-1'));
    expect(retry.status).toBe(200);
    const { id, jobid } = retry.data as { id: string; jobid: string };
    const vms = await vmsNamed('retried');
    expect(vms).toHaveLength(1);
    expect(vms[0].id).toBe(id);
    expect(await acme.user.client.waitForJob(jobid)).toMatchObject({ jobstatus: 1, jobinstanceid: id });
    // Once more, by POST this time: still the same answer.
    const third = await acme.user.client.call('deployVirtualMachine', deployParams('retried', 'deploy-retried-1'), { method: 'POST' });
    expect(third.data).toEqual({ id, jobid });
    expect(await vmsNamed('retried')).toHaveLength(1);
  });

  it('refuses a key reused with other parameters, and gives two keys two VMs', async () => {
    const first = await acme.user.client.call('deployVirtualMachine', { ...deployParams('keyed-a', 'deploy-k2'), startvm: false });
    expect(first.status).toBe(200);
    const reused = await acme.user.client.call('deployVirtualMachine', { ...deployParams('keyed-b', 'deploy-k2'), startvm: false });
    expect(reused.status).toBe(431);
    expect((reused.data as Obj).errortext).toBe('The idempotencykey deploy-k2 was used for a deployVirtualMachine request with other parameters: a retry must send the same parameters, a new request a new key');
    const other = await acme.user.client.call('deployVirtualMachine', { ...deployParams('keyed-b', 'deploy-k3'), startvm: false });
    expect(other.status).toBe(200);
    expect((other.data as Obj).id).not.toBe((first.data as Obj).id);
    // The same key in another account is another request.
    const elsewhere = await acme.domainAdmin.client.call('deployVirtualMachine', { ...deployParams('keyed-a', 'deploy-k2'), startvm: false });
    expect(elsewhere.status).toBe(200);
    expect((elsewhere.data as Obj).id).not.toBe((first.data as Obj).id);
  });

  it('lets a request that failed run again with its key', async () => {
    const params = { ...deployParams('needs-key', 'deploy-k4'), keypair: 'later', startvm: false };
    const failed = await acme.user.client.call('deployVirtualMachine', params);
    expect(failed.data).toMatchObject({ errorcode: 431, errortext: 'Not all specified keypairs exist' });
    await acme.user.client.ok('createSSHKeyPair', { name: 'later' });
    const again = await acme.user.client.call('deployVirtualMachine', params);
    expect(again.status).toBe(200);
    expect(await vmsNamed('needs-key')).toHaveLength(1);
  });

  it('answers two concurrent sendings of one request once: the other gets the same answer or is told to retry', async () => {
    const params = { ...deployParams('twice-at-once', 'deploy-k5'), startvm: false };
    const [a, b] = await Promise.all([acme.user.client.call('deployVirtualMachine', params), acme.user.client.call('deployVirtualMachine', params)]);
    const ok = [a, b].filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of [a, b].filter((x) => x.status !== 200)) expect(r.data).toMatchObject({ errorcode: 530, errortext: expect.stringContaining('is still in progress') });
    if (ok.length === 2) expect(ok[0].data).toEqual(ok[1].data);
    expect(await vmsNamed('twice-at-once')).toHaveLength(1);
  });
});
