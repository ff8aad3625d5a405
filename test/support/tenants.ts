import { CloudStackClient } from '../../local/cloudstack-client';

/**
 * Tenants for cross-tenant tests, made through the API as an operator would make them: the admin
 * client creates a domain (under `parentId`, else ROOT), a domain admin account and a user account in
 * it, and registers a key pair for each first user; the result carries signed clients for both.
 *
 *   const acme = await createTenant(env, 'acme');                          // ROOT/acme
 *   const sales = await createTenant(env, 'sales', { parentId: acme.domain.id }); // ROOT/acme/sales
 *   await acme.user.client.ok('listVirtualMachines');
 *
 * `name` must be unique in the stack: it names the domain and, suffixed, the accounts and users
 * (`<name>-admin`, `<name>-user`), since usernames are unique across all domains.
 */
export interface TenantUser {
  client: CloudStackClient;
  accountId: string;
  accountName: string;
  userId: string;
  username: string;
  apiKey: string;
  secretKey: string;
}

export interface Tenant {
  domain: { id: string; name: string; path: string };
  domainAdmin: TenantUser;
  user: TenantUser;
}

interface Env {
  admin: CloudStackClient;
  stack: { apiUrl: string };
}

export async function createTenant(env: Env, name: string, opts: { parentId?: string } = {}): Promise<Tenant> {
  const domain = (await env.admin.ok('createDomain', { name, ...(opts.parentId ? { parentdomainid: opts.parentId } : {}) })).domain as Tenant['domain'];
  const [domainAdmin, user] = await Promise.all([
    createAccountWithKeys(env, { domainId: domain.id, name: `${name}-admin`, accounttype: 2 }),
    createAccountWithKeys(env, { domainId: domain.id, name: `${name}-user`, accounttype: 0 }),
  ]);
  return { domain: { id: domain.id, name: domain.name, path: domain.path }, domainAdmin, user };
}

/** One account (its username is its name) with a registered key pair, made by `as` (default: the root admin). */
export async function createAccountWithKeys(env: Env, a: { domainId: string; name: string; accounttype: 0 | 1 | 2; as?: CloudStackClient }): Promise<TenantUser> {
  const by = a.as ?? env.admin;
  const account = (
    await by.ok('createAccount', {
      accounttype: a.accounttype,
      domainid: a.domainId,
      username: a.name,
      email: `${a.name}@example.test`,
      firstname: a.name,
      lastname: 'Tester',
      password: 'not-a-real-password',
    })
  ).account as { id: string; name: string; user: Array<{ id: string; username: string }> };
  const userId = account.user[0].id;
  const keys = (await by.ok('registerUserKeys', { id: userId })).userkeys as { apikey: string; secretkey: string };
  return {
    client: new CloudStackClient(env.stack.apiUrl, keys.apikey, keys.secretkey),
    accountId: account.id,
    accountName: account.name,
    userId,
    username: account.user[0].username,
    apiKey: keys.apikey,
    secretKey: keys.secretkey,
  };
}

/** A VM the client's account owns, created Stopped (no host needed), once its deploy job has succeeded. */
export async function deployStoppedVm(client: CloudStackClient, cat: { zoneid: string; templateid: string; offerings: Array<{ id: string }> }, name: string): Promise<{ vmId: string; jobId: string }> {
  const submit = await client.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name, startvm: false });
  const job = await client.waitForJob(submit.jobid as string);
  if (job.jobstatus !== 1) throw new Error(`deploy of ${name} failed: ${JSON.stringify(job.jobresult)}`);
  return { vmId: submit.id as string, jobId: submit.jobid as string };
}
