import type { Caller, Template } from './entities';
import { InvalidParameterError } from './errors';

/**
 * Images registered from a URL (templates and ISOs): their status text as CloudStack shows it, the
 * checksum CloudStack accepts, and what may be deployed from. Free of AWS: the commands, the steps
 * and the agent share it.
 */

/** Whether a template can be used now: downloaded (or seeded ready) and not deleted. */
export const isReady = (t: Pick<Template, 'isReady' | 'removed'>) => t.isReady !== false && !t.removed;

/**
 * Whether an image may be used (deployed, attached, restored from): public, or the caller's own (a
 * root admin may use any), and, acting on another account's VM, also public or that owner's own, as
 * CloudStack checks the caller and the VM's owner both.
 */
export function usableBy(t: Pick<Template, 'isPublic' | 'accountId'>, o: { caller: Pick<Caller, 'role' | 'accountId'>; ownerAccountId?: string }): boolean {
  const owner = o.ownerAccountId ?? o.caller.accountId;
  return (t.isPublic || t.accountId === owner) && (o.caller.role === 'rootAdmin' || t.isPublic || t.accountId === o.caller.accountId);
}

/**
 * TemplateJoinDaoImpl.getTemplateStatus: "Download Complete" once downloaded, "<n>% Downloaded"
 * while it comes, "Installing Template" / "Installing ISO" at 100 %, the error text after a failure,
 * "Processing" before the first byte.
 */
export function imageStatus(t: Pick<Template, 'isReady' | 'download' | 'format'>): string {
  if (t.isReady !== false || !t.download) return 'Download Complete';
  const { state, percent, error } = t.download;
  if (state === 'Error') return error ?? 'Download failed';
  if (state === 'Downloaded') return 'Download Complete';
  if (percent === 0) return 'Processing';
  if (percent >= 100) return t.format === 'ISO' ? 'Installing ISO' : 'Installing Template';
  return `${percent}% Downloaded`;
}

export const CHECKSUM_ALGORITHMS = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const HEX_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

/**
 * CloudStack's checksum parameter (DigestHelper): `{ALGORITHM}hex`, or bare hex taken as MD5.
 * Anything else is refused with DigestHelper's own text.
 */
export function parseChecksum(text: string): { algorithm: string; hex: string } {
  const m = /^(?:\{([A-Za-z0-9-]+)\})?([0-9a-fA-F]+)$/.exec(text.trim());
  const name = m?.[1]?.toUpperCase() ?? 'MD5';
  const algorithm = (CHECKSUM_ALGORITHMS as Record<string, string>)[name];
  if (!m || !algorithm) throw new InvalidParameterError(`Checksum ${text} is not valid: give {MD5}, {SHA-1}, {SHA-224}, {SHA-256}, {SHA-384} or {SHA-512} followed by the hex digest, or an MD5 hex digest alone`);
  const hex = m[2].toLowerCase();
  if (hex.length !== HEX_LENGTH[algorithm]) throw new InvalidParameterError(`Checksum ${text} is not valid: a ${name} digest has ${HEX_LENGTH[algorithm]} hex digits, not ${hex.length}`);
  return { algorithm, hex };
}

/** The digest alone, as listTemplates shows `checksum` (DigestHelper.getHashValueFromChecksumValue). */
export const checksumValue = (text: string | undefined) => (text === undefined ? undefined : text.replace(/^\{[^}]*\}/, ''));

/** The image formats registration takes, and what each is (KVM boots QCOW2 and RAW; ISOs attach as CD-ROMs). */
export const TEMPLATE_FORMATS = ['QCOW2', 'RAW'] as const;
