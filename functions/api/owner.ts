import type { Caller } from '../../core/entities';
import { InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import type { Store } from '../store';
import { canSeeDomain } from './scope';
import { cs } from './params';

/**
 * Whom a create command makes its resource for: the caller, or, for an admin, the account named by
 * `account` + `domainid` (CloudStack's AccountManagerImpl.finalizeOwner, with its texts). Projects
 * are not supported: `projectid` is refused by name, never ignored.
 */

export interface Owner {
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
}

interface Ctx {
  caller: Caller;
  store: Store;
}

/** The parameters every create command that CloudStack lets act for an account takes; `what` names the resource. */
export const ownerParams = (what: string) => ({
  account: cs.string().optional().meta({ description: `an optional account for the ${what}. Must be used with domainId.` }),
  domainid: cs.uuid().optional().meta({ description: `an optional domainId for the ${what}. If the account parameter is used, domainId must also be used.` }),
  projectid: cs.uuid().optional().meta({ description: `an optional project for the ${what} (projects are not supported: refused)` }),
});

export interface OwnerInput {
  account?: string;
  domainid?: string;
  projectid?: string;
}

/** The refusal of `projectid`, wherever a command takes it. */
export function refuseProject(p: { projectid?: string; account?: string; domainid?: string }): void {
  if (p.projectid === undefined) return;
  if (p.account !== undefined && p.domainid !== undefined) throw new InvalidParameterError("ProjectId and account/domainId can't be specified together");
  throw new InvalidParameterError(`Projects are not supported: projectid=${p.projectid} cannot be used; give account and domainid instead`);
}

export const callerAsOwner = (caller: Caller): Owner => ({ accountId: caller.accountId, accountName: caller.accountName, domainId: caller.domainId, domainPath: caller.domainPath });

export async function ownerFor({ caller, store }: Ctx, p: OwnerInput): Promise<Owner> {
  refuseProject(p);
  const isAdmin = caller.role !== 'user';
  if (p.account !== undefined && p.domainid !== undefined) {
    if (!isAdmin) {
      if (p.account !== caller.accountName || p.domainid !== caller.domainId)
        throw new PermissionDeniedError(`Can't create/list resources for account ${p.account} in domain ${p.domainid}, permission denied`);
      return callerAsOwner(caller);
    }
    const domain = await store.tenancy.getDomain(p.domainid);
    // A domain admin is told of a domain outside its subtree as of a missing one: no id is confirmed.
    if (!domain || !canSeeDomain(caller, domain)) throw new InvalidParameterError(`Unable to find the domain by id=${p.domainid}`);
    const account = await store.tenancy.accountByName(domain.id, p.account);
    if (!account) throw new InvalidParameterError(`Unable to find account ${p.account} in domain ${p.domainid}`);
    return { accountId: account.id, accountName: account.name, domainId: domain.id, domainPath: domain.path };
  }
  if (p.account !== undefined) throw new InvalidParameterError('AccountName and domainId must be specified together');
  return callerAsOwner(caller);
}
