import { EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import { accountForCaller } from './tenancy';
import type { ImportOwner } from './import-start';

/** What importUnmanagedInstance and importVm read alike from their parameters. */

/** A map parameter's entries (`nicnetworklist[0].nic=0&nicnetworklist[0].network=<id>`) as key -> value. */
export function entries(command: string, param: string, map: Record<string, Record<string, string | undefined>> | undefined, key: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, e] of Object.entries(map ?? {})) {
    const k = e[key];
    const v = e[value];
    if (k === undefined || v === undefined) throw new InvalidParameterError(`Unable to execute API command ${command.toLowerCase()} due to invalid value: ${param}[${i}] needs both ${param}[${i}].${key} and ${param}[${i}].${value}`);
    out[k] = v;
  }
  return out;
}

/** The VM's owner: `account` in `domainid` (the caller may see it), else the caller's own account. */
export async function ownerFor(ctx: Parameters<typeof accountForCaller>[0], p: { account?: string; domainid?: string }): Promise<ImportOwner> {
  const { caller, store } = ctx;
  if (p.account === undefined) {
    const user = await store.inventory.getUser(caller.userId);
    return { accountId: caller.accountId, accountName: caller.accountName, domainId: caller.domainId, domainPath: caller.domainPath, userId: caller.userId, userNumericId: user?.numericId ?? 2 };
  }
  const account = await accountForCaller(ctx, p);
  const [users, domain] = await Promise.all([store.tenancy.usersOfAccount(account.id), store.inventory.getDomain(account.domainId)]);
  return { accountId: account.id, accountName: account.name, domainId: account.domainId, domainPath: account.domainPath ?? domain?.path ?? 'ROOT', userId: users[0]?.id ?? caller.userId, userNumericId: users[0]?.numericId ?? 2 };
}

/** Each id of a map resolved (an unknown one: CloudStack's invalid-value text naming the map). */
export async function resolveAll<T>(ids: Record<string, string>, get: (id: string) => Promise<T | undefined>, command: string, param: string): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const [k, id] of Object.entries(ids)) {
    const found = await get(id);
    if (!found) throw new EntityNotFoundError(command, param, id);
    out[k] = found;
  }
  return out;
}

