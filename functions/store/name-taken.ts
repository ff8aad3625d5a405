import type { Kind } from './keys';

/**
 * A name already held in its scope: a domain, account or user name, or a zone, pod, cluster or
 * host name (case-insensitive, as MySQL compares). The command words CloudStack's error for it.
 */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError';
  constructor(
    readonly kind: Kind,
    readonly taken: string,
  ) {
    super(`The ${kind.toLowerCase()} name ${taken} is taken`);
  }
}
