/**
 * IPv4 arithmetic for the infrastructure commands (createZone, createPod), with the rules of
 * CloudStack's NetUtils: dotted quads without leading zeros, netmasks with contiguous ones, guest
 * CIDRs inside the private ranges.
 */

const QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** The address as an unsigned 32-bit number, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const m = QUAD.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export const isIpv4 = (text: string): boolean => parseIpv4(text) !== undefined;

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The prefix length of a netmask with contiguous ones (1 to 32 bits), or undefined. */
export function netmaskPrefix(text: string): number | undefined {
  const n = parseIpv4(text);
  if (n === undefined || n === 0) return undefined;
  for (let prefix = 1; prefix <= 32; prefix++) {
    if (n === maskOf(prefix)) return prefix;
  }
  return undefined;
}

/** The netmask of a prefix length, as a number. */
export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix));

/** The network part of an address. */
export const networkOf = (ip: number, prefix: number): number => ip - (ip % 2 ** (32 - prefix));

export interface Cidr {
  network: number;
  prefix: number;
}

/** `a.b.c.d/n`, with the address reduced to its network; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const ip = parseIpv4(address);
  const prefix = Number(bits);
  if (ip === undefined || prefix > 32) return undefined;
  return { network: networkOf(ip, prefix), prefix };
}

export const formatCidr = (c: Cidr): string => `${formatIpv4(c.network)}/${c.prefix}`;

export const inCidr = (ip: number, c: Cidr): boolean => networkOf(ip, c.prefix) === c.network;

/** Whether two CIDRs share an address (one contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return networkOf(a.network, prefix) === networkOf(b.network, prefix);
}

const PRIVATE_RANGES: readonly Cidr[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

/** NetUtils.validateGuestCidr: a well-formed CIDR inside one of the RFC 1918 private ranges. */
export function isValidGuestCidr(text: string): boolean {
  const c = parseCidr(text);
  return !!c && PRIVATE_RANGES.some((r) => c.prefix >= r.prefix && inCidr(c.network, r));
}

/** Whether `ip` is a host address of `cidr` (inside it, neither its network nor its broadcast address). */
export function isHostAddressIn(ip: string, cidr: string): boolean {
  const n = parseIpv4(ip);
  const c = parseCidr(cidr);
  if (n === undefined || !c || !inCidr(n, c)) return false;
  const broadcast = c.network + 2 ** (32 - c.prefix) - 1;
  return c.prefix >= 31 || (n !== c.network && n !== broadcast);
}
