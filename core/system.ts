import type { Caller } from './entities';
import { stableId } from './ids';

/**
 * The caller background work runs as (the scheduled expunge, the reconciler): CloudStack's "system"
 * user, a root admin in ROOT. Its jobs are listed for the root admin only.
 */
export const SYSTEM_CALLER: Caller = {
  userId: stableId('user', 'system'),
  username: 'system',
  accountId: stableId('account', 'system'),
  accountName: 'system',
  domainId: stableId('domain', 'ROOT'),
  domainPath: 'ROOT',
  role: 'rootAdmin',
};
