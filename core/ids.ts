import { createHash } from 'node:crypto';

/**
 * A UUID derived from a name (SHA-1, shaped like a version-5 UUID), lower-case as CloudStack's
 * UUID check requires. The bootstrap uses it so that restarting never creates a second zone.
 */
export function stableId(...parts: Array<string | number>): string {
  const h = createHash('sha1').update(['stratus', ...parts].join('/')).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
