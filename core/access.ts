import type { Caller } from './entities';

/**
 * Who may see and act on what, as CloudStack's AccountManager.checkAccess decides it: the root
 * admin everything; a domain admin whatever belongs to its domain or a domain below it; a user only
 * its own account's resources. A resource the caller may not see is answered exactly like one that
 * does not exist (docs/decisions.md), so these are predicates, not throwers.
 */
export interface Owned {
  accountId: string;
  domainPath: string;
}

/** Whether `path` is `root` or lies below it (`ROOT/a` is under `ROOT`, `ROOT/ab` is not under `ROOT/a`). */
export function inDomainTree(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

export function canAccess(caller: Caller, owner: Owned): boolean {
  switch (caller.role) {
    case 'rootAdmin':
      return true;
    case 'domainAdmin':
      return inDomainTree(owner.domainPath, caller.domainPath);
    case 'user':
      return owner.accountId === caller.accountId;
  }
}

/** Whether the caller administers resources outside its own account (listall/isrecursive apply). */
export const isAdmin = (caller: Caller) => caller.role !== 'user';
