import { CloudStackClient } from '../../local/cloudstack-client';
import { startTestStack } from '../support/stack';
import { createTenant } from '../support/tenants';
import { expectExactListCounters, expectOneCopyAndExactAccounting, expectPoolLedgers } from '../support/invariants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Every command listApis shows, called through signed HTTP with hostile values in its parameters
 * (huge, empty, unicode and control characters, injection-like, wrong types, ids of nothing), as the
 * root admin and as a user. Every answer must be a success or a CloudStack error with a clear text:
 * never a crash (a 500, a body that is not the envelope), never an error text that is a JavaScript
 * failure; and afterwards the table must be whole: list counters exact, pools' ledgers exact, every
 * running VM on one host with its capacity accounted (nothing half-written).
 */
describe('fuzzing every command with hostile values', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let user: CloudStackClient;
  /** ids of things that exist, by kind, so that ids sent reach past "no such entity" into the commands */
  const real: string[] = [];
  const realByKind = new Map<string, string[]>();

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    user = (await createTenant(env, 'fuzzed')).user.client;
    const ids = async (command: string, key: string, params: Record<string, string> = {}) => ((((await env.admin.ok(command, { listall: 'true', ...params }))[key] as Obj[] | undefined) ?? []).map((o) => o.id as string));
    const [zone] = await ids('listZones', 'zone');
    const [template] = await ids('listTemplates', 'template', { templatefilter: 'executable' });
    const [offering] = await ids('listServiceOfferings', 'serviceoffering');
    const vm = await env.admin.ok('deployVirtualMachine', { zoneid: zone!, templateid: template!, serviceofferingid: offering! });
    await env.admin.waitForJob(vm.jobid as string);
    await user.waitForJob((await user.ok('deployVirtualMachine', { zoneid: zone!, templateid: template!, serviceofferingid: offering!, startvm: false })).jobid as string);
    for (const [command, key, params] of [
      ['listZones', 'zone'],
      ['listPods', 'pod'],
      ['listClusters', 'cluster'],
      ['listHosts', 'host'],
      ['listTemplates', 'template', { templatefilter: 'all' }],
      ['listServiceOfferings', 'serviceoffering'],
      ['listDiskOfferings', 'diskoffering'],
      ['listNetworks', 'network'],
      ['listStoragePools', 'storagepool'],
      ['listVirtualMachines', 'virtualmachine'],
      ['listVolumes', 'volume'],
      ['listAccounts', 'account'],
      ['listDomains', 'domain'],
    ] as Array<[string, string, Record<string, string>?]>) {
      const found = await ids(command, key, params);
      real.push(...found);
      realByKind.set(key, found);
    }
  }, 120_000);
  afterAll(() => env.stop());

  // A deterministic generator: the same run every time, so a failure can be replayed.
  let seed = 0x5eed;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[next() % xs.length]!;

  const STRINGS = [
    '',
    ' ',
    'x'.repeat(70_000),
    'é𝔘😀\u202e\u0000\u0007line\nbreak',
    "' OR 1=1 --",
    '"; DROP TABLE vm; --',
    '${7*7}{{7*7}}',
    '<script>alert(1)</script>',
    '../../../../etc/passwd',
    '%00%0a%25',
    'ROOT/../..',
    '[object Object]',
    'null',
    'true',
    '-1',
  ];
  const BY_TYPE: Record<string, readonly string[]> = {
    uuid: ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '6f1c1a52-9a3e-4cf5-9b1b-0c1f4d0e2a11', "1' OR '1'='1", ''],
    integer: ['abc', '-1', '1e309', '99999999999999999999', '0x10', '1.5', ''],
    long: ['abc', '-9223372036854775809', '1e400', '-0', ''],
    short: ['70000', '-40000', 'x'],
    boolean: ['maybe', '', 'TRUE ', '1'],
    list: [',,,', 'a,,b', 'x'.repeat(5000), '😀,😀'],
    date: ['yesterday', '2026-13-45', '0000-00-00 25:61:61', ''],
    tzdate: ['yesterday', '2026-02-30T25:00:00+99:00'],
  };
  const hostile = (type: string) => (type === 'uuid' && next() % 2 === 0 ? pick(real) : next() % 3 === 0 ? pick(STRINGS) : pick(BY_TYPE[type] ?? STRINGS));

  /** The kind an id parameter names: by its own name (zoneid, virtualmachineid), or for `id` by the command's (startVirtualMachine). */
  const KINDS: Array<[RegExp, string]> = [
    [/virtualmachine|vm/i, 'virtualmachine'],
    [/serviceoffering/i, 'serviceoffering'],
    [/diskoffering/i, 'diskoffering'],
    [/template|iso/i, 'template'],
    [/zone/i, 'zone'],
    [/pod/i, 'pod'],
    [/cluster/i, 'cluster'],
    [/host/i, 'host'],
    [/network/i, 'network'],
    [/storage|pool/i, 'storagepool'],
    [/volume/i, 'volume'],
    [/domain/i, 'domain'],
    [/account/i, 'account'],
  ];
  const idFor = (command: string, param: string) => {
    const subject = param === 'id' || param === 'ids' ? command : param;
    const kind = KINDS.find(([re]) => re.test(subject))?.[1];
    const known = kind ? realByKind.get(kind) : undefined;
    return known?.length ? pick(known) : pick(real);
  };
  const plausible = (type: string, command = '', param = ''): string =>
    ({ uuid: idFor(command, param), integer: '1', long: '1', short: '1', boolean: pick(['true', 'false']), list: /ids?$/.test(param) ? idFor(command, param) : 'fuzz', date: '2026-01-01', tzdate: '2026-01-01T00:00:00+0000' })[type] ?? `fuzz-${next() % 1000}`;

  // JavaScript failures surfacing as texts mean an input reached code that did not expect it.
  const CRASH = /TypeError|ReferenceError|RangeError|SyntaxError|Cannot read propert|is not a function|is not iterable|\[object Object\]|undefined|NaN|Maximum call stack/;

  async function fuzz(client: CloudStackClient, who: string) {
    const apis = (await client.ok('listApis', {})).api as Obj[];
    expect(apis.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let answered = 0;
    for (const api of apis) {
      for (let round = 0; round < 8; round++) {
        const params: Record<string, string> = {};
        // Even rounds: every value hostile. Odd rounds: one hostile value among plausible ones, to get
        // past the first check into what the command does.
        const chosen = (api.params as Obj[]).filter((p) => p.required || next() % 2 === 0);
        const target = chosen.length ? chosen[next() % chosen.length]!.name : undefined;
        for (const p of chosen) {
          const bad = round % 2 === 0 || p.name === target;
          if (p.type === 'map') params[`${p.name}[0].${pick(['key', 'value', 'name', '😀'])}`] = bad ? pick(STRINGS) : 'fuzz';
          else params[p.name] = bad ? hostile(p.type) : plausible(p.type, api.name as string, p.name as string);
        }
        const reply = await client.call(api.name, params, { method: 'POST' });
        const data = reply.data as Obj;
        if (reply.status === 200) answered += 1;
        const what = `${who} ${api.name} ${JSON.stringify(params).slice(0, 300)} -> ${reply.status} ${JSON.stringify(data).slice(0, 300)}`;
        if (reply.status >= 500 && reply.status < 530) failures.push(`a server failure: ${what}`);
        else if (reply.status !== 200 && (typeof data?.errortext !== 'string' || data.errortext.trim() === '' || data.errorcode !== reply.status)) failures.push(`an error without CloudStack's shape: ${what}`);
        // The text with the values sent taken out: an input echoed back is no failure.
        else if (reply.status !== 200 && CRASH.test(Object.values(params).reduce((text, v) => (v === '' ? text : text.split(v).join('')), data.errortext as string)))
          failures.push(`a JavaScript failure as the text: ${what}`);
      }
    }
    // Some calls get through whole (lists with odd filters, creates with odd names): the fuzzing reached the commands.
    if (answered < (who === 'admin' ? 25 : 10)) failures.push(`${who}: only ${answered} calls succeeded; the values never reached the commands`);
    return failures;
  }

  it('answers every command, as the root admin and as a user, with a success or a clear CloudStack error', async () => {
    const failures = await fuzz(env.admin, 'admin');
    // The admin's round may have disabled or re-keyed the accounts it was given ids of: a new user fuzzes next.
    const fresh = (await createTenant(env, 'fuzzed-later')).user.client;
    failures.push(...(await fuzz(fresh, 'user')));
    expect(failures).toEqual([]);
  }, 600_000);

  it('leaves the table whole: counters, pool ledgers and host accounting exact', async () => {
    // Jobs the fuzzing started settle first.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pending = ((await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[] | undefined)?.filter((j) => j.jobstatus === 0) ?? [];
      if (pending.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await expectExactListCounters();
    await expectPoolLedgers(env, 'after fuzzing');
    await expectOneCopyAndExactAccounting(env);
  }, 120_000);
});
