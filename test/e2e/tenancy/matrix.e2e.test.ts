import type { CloudStackClient, CloudStackReply } from '../../../local/cloudstack-client';
import { findCommand } from '../../../functions/api/registry';
import type { Role } from '../../../core/entities';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, deployStoppedVm } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Who may act on whose resources, command by command: every caller against every owner's VM, job,
 * account and user. The root admin reaches everything, a domain admin its own domain and the domains
 * below it, a user its own account; anything else is answered exactly as if it did not exist, and a
 * command the caller's role may not call at all is a 401.
 *
 * Tenants: ROOT/a (admin `aAdmin`, user `aUser`), ROOT/a/a1 below it (`a1User`) and ROOT/b beside it
 * (`bUser`); each user owns one VM, made by its own deploy job.
 *
 * To cover another command, add one line to COMMANDS: its parameters for a target, and for a list
 * command the response key whose items must (or must not) include the target. Commands that change
 * their target should leave it usable for the rows after them (start then stop, or act on a copy).
 */
interface Target {
  vmId: string;
  jobId: string;
  accountId: string;
  userId: string;
  offeringId: string; // another offering than the VM's, for the offering changes
}

interface MatrixCommand {
  command: string;
  params: (t: Target) => Record<string, string | number | boolean>;
  /** a list: the response key, and the id (`id` or `jobid` of an item) that shows the target was seen */
  list?: { key: string; seen: (t: Target) => string };
  /**
   * An operation whose success depends on the VM's state, which earlier rows change (a start makes
   * the next start a wrong-state 431, or a busy 530): any answer but the unknown-entity 431 and the
   * 401 shows the caller reached the VM.
   */
  reachOnly?: true;
}

const COMMANDS: MatrixCommand[] = [
  { command: 'listVirtualMachines', params: (t) => ({ id: t.vmId, listall: true }), list: { key: 'virtualmachine', seen: (t) => t.vmId } },
  { command: 'listVirtualMachines', params: () => ({ listall: true }), list: { key: 'virtualmachine', seen: (t) => t.vmId } },
  { command: 'listAsyncJobs', params: (t) => ({ resourceid: t.vmId, listall: true }), list: { key: 'asyncjobs', seen: (t) => t.jobId } },
  { command: 'queryAsyncJobResult', params: (t) => ({ jobid: t.jobId }) },
  { command: 'listAccounts', params: (t) => ({ id: t.accountId, listall: true }), list: { key: 'account', seen: (t) => t.accountId } },
  { command: 'listUsers', params: (t) => ({ id: t.userId, listall: true }), list: { key: 'user', seen: (t) => t.userId } },
  { command: 'enableAccount', params: (t) => ({ id: t.accountId }) },
  { command: 'updateVirtualMachine', params: (t) => ({ id: t.vmId, displayname: 'renamed' }) },
  { command: 'startVirtualMachine', params: (t) => ({ id: t.vmId }), reachOnly: true },
  { command: 'rebootVirtualMachine', params: (t) => ({ id: t.vmId }), reachOnly: true },
  { command: 'stopVirtualMachine', params: (t) => ({ id: t.vmId, forced: true }), reachOnly: true },
  { command: 'expungeVirtualMachine', params: (t) => ({ id: t.vmId }), reachOnly: true },
  { command: 'recoverVirtualMachine', params: (t) => ({ id: t.vmId }), reachOnly: true },
  { command: 'changeServiceForVirtualMachine', params: (t) => ({ id: t.vmId, serviceofferingid: t.offeringId }), reachOnly: true },
  { command: 'scaleVirtualMachine', params: (t) => ({ id: t.vmId, serviceofferingid: t.offeringId }), reachOnly: true },
  { command: 'migrateVirtualMachine', params: (t) => ({ virtualmachineid: t.vmId }), reachOnly: true },
  { command: 'findHostsForMigration', params: (t) => ({ virtualmachineid: t.vmId }), reachOnly: true },
];

const CALLERS = ['root', 'aAdmin', 'aUser', 'a1User', 'bUser'] as const;
const OWNERS = ['aUser', 'a1User', 'bUser'] as const;
type CallerName = (typeof CALLERS)[number];
type OwnerName = (typeof OWNERS)[number];

const ROLE: Record<CallerName, Role> = { root: 'rootAdmin', aAdmin: 'domainAdmin', aUser: 'user', a1User: 'user', bUser: 'user' };
/** Whose resources each caller reaches. */
const REACHES: Record<CallerName, readonly OwnerName[]> = {
  root: OWNERS,
  aAdmin: ['aUser', 'a1User'],
  aUser: ['aUser'],
  a1User: ['a1User'],
  bUser: ['bUser'],
};

type Outcome = 'allowed' | 'not-found' | 'not-available';

function expected(caller: CallerName, owner: OwnerName, c: MatrixCommand): Outcome {
  if (!findCommand(c.command)!.access.includes(ROLE[caller])) return 'not-available';
  return REACHES[caller].includes(owner) ? 'allowed' : 'not-found';
}

/** What the server's answer means; anything else is reported as it came, so the row fails readably. */
function outcome(reply: CloudStackReply, c: MatrixCommand, t: Target): string {
  const params = c.params(t);
  if (reply.status === 401) return 'not-available';
  if (c.list) {
    if (reply.status !== 200) return `${reply.status} ${reply.data.errortext}`;
    const items = (reply.data[c.list.key] as Obj[] | undefined) ?? [];
    const id = c.list.seen(t);
    return items.some((i) => i.id === id || i.jobid === id) ? 'allowed' : 'not-found';
  }
  if (reply.status === 200) return 'allowed';
  const [param, value] = Object.entries(params)[0];
  const unknown = `Unable to execute API command ${c.command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;
  if (reply.status === 431 && reply.data.errortext === unknown) return 'not-found';
  return c.reachOnly ? 'allowed' : `${reply.status} ${reply.data.errortext}`;
}

describe('cross-tenant matrix', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  const clients = {} as Record<CallerName, CloudStackClient>;
  const targets = {} as Record<OwnerName, Target>;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    const cat = await catalogue(env.admin);
    const a = await createTenant(env, 'a');
    const [a1, b] = await Promise.all([createTenant(env, 'a1', { parentId: a.domain.id }), createTenant(env, 'b')]);
    Object.assign(clients, { root: env.admin, aAdmin: a.domainAdmin.client, aUser: a.user.client, a1User: a1.user.client, bUser: b.user.client });
    const owners = { aUser: a.user, a1User: a1.user, bUser: b.user };
    await Promise.all(
      OWNERS.map(async (o) => {
        const vm = await deployStoppedVm(owners[o].client, cat, `vm-${o.toLowerCase()}`);
        targets[o] = { ...vm, accountId: owners[o].accountId, userId: owners[o].userId, offeringId: cat.offerings[1].id };
      }),
    );
  });
  afterAll(() => env.stop());

  const rows = COMMANDS.flatMap((c) => CALLERS.flatMap((caller) => OWNERS.map((owner) => [c.command, caller, owner, expected(caller, owner, c), c] as const)));

  it.each(rows)('%s by %s on %s\'s resource: %s', async (_, caller, owner, want, c) => {
    const t = targets[owner];
    const reply = await clients[caller].call(c.command, c.params(t));
    expect(outcome(reply, c, t)).toBe(want);
  });
});
