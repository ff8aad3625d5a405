import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededPool } from '../functions/bootstrap/seed';
import { createStore } from '../functions/store';
import { CloudStackClient } from './cloudstack-client';
import { seedDemoGuests } from './demo-guests';
import { minimalIso, startImageServer } from './image-server';
import { startLocalStack, type LocalStack } from './stack';

/**
 * `npm run api:fields`: the response fields listApis shows for each command (its `response`), as
 * Stratus's answers carry them. A local stack is taken through a tour that makes one of everything
 * (a tenant, VMs with keys and user data, volumes, snapshots, tags, affinity groups, backups and
 * schedules), then every list, get and query command the root admin may call is called, and the
 * fields of every object answered are gathered by response name, with their types and, for lists of
 * objects, their fields. Written to functions/api/response-fields.json; a test holds the answers of
 * a tour to it, so a field added to a view without running this again is caught.
 */

type Obj = Record<string, unknown>;
interface FieldInfo {
  name: string;
  type: string;
  response?: FieldInfo[];
}

const fields = new Map<string, Map<string, { types: Set<string>; nested?: Map<string, Set<string>> }>>();

const CS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/;
function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || v === undefined) return 'string';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  return CS_DATE.test(String(v)) ? 'date' : 'string';
}

function recordObject(key: string, o: Obj): void {
  const byName = fields.get(key) ?? new Map();
  fields.set(key, byName);
  for (const [name, value] of Object.entries(o)) {
    const entry = byName.get(name) ?? { types: new Set<string>() };
    entry.types.add(typeOf(value));
    if (Array.isArray(value))
      for (const element of value)
        if (element && typeof element === 'object' && !Array.isArray(element)) {
          entry.nested ??= new Map();
          for (const [sub, subValue] of Object.entries(element as Obj)) entry.nested.set(sub, (entry.nested.get(sub) ?? new Set()).add(typeOf(subValue)));
        }
    byName.set(name, entry);
  }
}

/** Every object of an answer (`{ count, key: [...] }`, `{ key: {...} }` or a job's result), by its key. */
function recordAnswer(answer: Obj): void {
  for (const [key, value] of Object.entries(answer)) {
    if (key === 'count') continue;
    if (Array.isArray(value)) for (const o of value) if (o && typeof o === 'object') recordObject(key, o as Obj);
    if (value && typeof value === 'object' && !Array.isArray(value)) recordObject(key, value as Obj);
  }
  // A command that answers only whether it worked (SuccessResponse; unmanageVirtualMachine adds its details).
  if (typeof answer.success === 'boolean') recordObject('success', Object.fromEntries(Object.entries(answer).filter(([, v]) => typeof v !== 'object')));
}

const pick = (types: Set<string>) => (types.size === 1 ? [...types][0]! : [...types].find((t) => t !== 'string') ?? 'string');

function gathered(): Record<string, FieldInfo[]> {
  const out: Record<string, FieldInfo[]> = {};
  for (const [key, byName] of [...fields.entries()].sort(([a], [b]) => a.localeCompare(b)))
    out[key] = [...byName.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({
        name,
        type: pick(e.types),
        ...(e.nested ? { response: [...e.nested.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([sub, t]) => ({ name: sub, type: pick(t) })) } : {}),
      }));
  return out;
}

async function tour(admin: CloudStackClient, stack: LocalStack): Promise<void> {
  const zoneId = stack.seed.zone.id;
  const ok = async (command: string, params: Record<string, string | number | boolean> = {}) => {
    const answer = (await admin.ok(command, params)) as Obj;
    if (typeof answer.jobid === 'string') {
      const job = (await admin.waitForJob(answer.jobid)) as Obj;
      recordObject('asyncjobs', job);
      if (job.jobresult && typeof job.jobresult === 'object') recordAnswer(job.jobresult as Obj);
      return job.jobresult as Obj;
    }
    recordAnswer(answer);
    return answer;
  };
  const small = ((await ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[])[0]!.id as string;
  const template = ((await ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0]!.id as string;
  const domain = (await ok('createDomain', { name: 'fields' })).domain as Obj;
  const account = (await ok('createAccount', { accounttype: 0, domainid: domain.id as string, username: 'fields-user', email: 'f@example.test', firstname: 'F', lastname: 'User', password: 'not-a-real-password' })).account as Obj;
  await ok('registerUserKeys', { id: ((account.user as Obj[])[0]!.id as string) });
  await ok('createSSHKeyPair', { name: 'fields-key' });
  await ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
  const policy = ((await ok('listBackupProviderOfferings', { zoneid: zoneId })).backupoffering as Obj[])[0]!;
  const backupOffering = (await ok('importBackupOffering', { name: 'Fields', description: 'Fields', externalid: policy.externalid as string, zoneid: zoneId, allowuserdrivenbackups: true })).backupoffering as Obj;
  const group = (await ok('createAffinityGroup', { name: 'fields-group', type: 'host anti-affinity' })).affinitygroup as Obj;
  const userdata = Buffer.from('#cloud-config\n').toString('base64');
  const vm = (await ok('deployVirtualMachine', { serviceofferingid: small, templateid: template, zoneid: zoneId, name: 'fields-vm', keypair: 'fields-key', userdata, affinitygroupids: group.id as string })).virtualmachine as Obj;
  await ok('getVirtualMachineUserData', { virtualmachineid: vm.id as string });
  await ok('createTags', { resourceids: vm.id as string, resourcetype: 'UserVm', 'tags[0].key': 'team', 'tags[0].value': 'fields' });
  const disk = (await ok('createDiskOffering', { name: 'fields-disk', disksize: 1 })).diskoffering as Obj;
  const volume = (await ok('createVolume', { name: 'fields-data', zoneid: zoneId, diskofferingid: disk.id as string })).volume as Obj;
  await ok('attachVolume', { id: volume.id as string, virtualmachineid: vm.id as string });
  await ok('createVMSnapshot', { virtualmachineid: vm.id as string, snapshotmemory: true });
  await ok('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id as string, backupofferingid: backupOffering.id as string });
  await ok('createBackup', { virtualmachineid: vm.id as string });
  await ok('unmanageVirtualMachine', { id: ((await ok('deployVirtualMachine', { serviceofferingid: small, templateid: template, zoneid: zoneId, name: 'fields-unmanaged' })).virtualmachine as Obj).id as string });
  await ok('createBackupSchedule', { virtualmachineid: vm.id as string, intervaltype: 'DAILY', schedule: '00:01', timezone: 'UTC' });
  await ok('updateResourceCount', { domainid: domain.id as string });
  await ok('addBackupRepository', { name: 'fields-nas', address: 'nas.example.test:/backups', type: 'nfs', provider: 'nas', zoneid: zoneId });
  // An ISO (from a local image server), guests on the host Stratus does not manage, and an alert.
  const images = await startImageServer({ images: { 'fields.iso': minimalIso('FIELDS') } });
  try {
    const iso = ((await ok('registerIso', { name: 'fields-iso', displaytext: 'fields', url: images.url('fields.iso'), zoneid: zoneId })).iso as Obj[])[0]!;
    for (let i = 0; i < 100 && !(((await admin.ok('listIsos', { isofilter: 'self', id: iso.id as string })).iso as Obj[])[0]!.isready as boolean); i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await images.close();
  }
  seedDemoGuests(stack.hosts[0]!.driver, { ...seededPool(stack.seed.cluster.id, 'Simulator'), type: 'SharedMountPoint', host: 'localhost' });
  const host = stack.hosts[0]!;
  await createStore().alerts.raise({ kind: 'host', key: `fields-${host.hostId}`, subject: `Host ${host.name} is an example`, where: { zoneId, hostId: host.hostId } });
  // The unmanaged guests show once the host's next heartbeat reports them.
  await new Promise((r) => setTimeout(r, 1500));

  // Then every list, get and query command the root admin may call without a required parameter.
  const apis = (await admin.ok('listApis')).api as Array<{ name: string; params: Array<{ name: string; required: boolean }> }>;
  for (const api of apis) {
    if (!/^(list|get|query)/.test(api.name) || api.name === 'listApis') continue;
    const required = api.params.filter((p) => p.required).map((p) => p.name);
    const params: Record<string, string> = api.params.some((p) => p.name === 'listall') ? { listall: 'true' } : {};
    if (required.length === 1 && required[0] === 'zoneid') params.zoneid = zoneId;
    else if (required.length === 1 && required[0] === 'templatefilter') params.templatefilter = 'all';
    else if (required.length === 1 && required[0] === 'isofilter') params.isofilter = 'all';
    else if (required.length === 1 && required[0] === 'virtualmachineid') params.virtualmachineid = vm.id as string;
    else if (required.length === 1 && required[0] === 'clusterid') params.clusterid = String((((await admin.ok('listClusters')).cluster as Obj[])[0] as Obj).id);
    else if (required.length === 1 && required[0] === 'id') continue; // the objects its list shows
    else if (required.length) continue;
    const reply = await admin.call(api.name, params);
    if (reply.status === 200 && reply.data && typeof reply.data === 'object') recordAnswer(reply.data as Obj);
  }
  recordAnswer(apis.length ? { api: apis } : {});
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ port: 0, inMemory: true, simHosts: 1, quiet: true, settingsCacheMs: 0, agent: { heartbeatIntervalMs: 500 } });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    await tour(admin, stack);
    const out = join(process.cwd(), 'functions', 'api', 'response-fields.json');
    writeFileSync(out, `${JSON.stringify(gathered(), null, 1)}\n`);
    console.log(`Response fields of ${fields.size} response names written to ${out}`);
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
