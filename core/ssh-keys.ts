import { createHash, generateKeyPairSync } from 'node:crypto';

/**
 * SSH keys as CloudStack's SSHKeysHelper handles them: a public key is kept as `<type> <base64>`
 * (its comment dropped), its fingerprint is the MD5 of the key blob in colon-separated hex, and a
 * created pair is RSA with its private key in PEM. Registered keys are also checked to be what
 * they say (the blob's own type matches), so a mangled key is refused instead of reaching guests.
 */

const KEY_TYPES = ['ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-ed25519'] as const;

/** SSHKeysHelper.getPublicKeyFromKeyMaterial: OpenSSH's line (or that line in base64) to `<type> <base64>`; undefined when invalid. */
export function publicKeyFromKeyMaterial(material: string): string | undefined {
  let text = material.trim();
  if (!text.includes(' ')) text = Buffer.from(text, 'base64').toString('utf8').trim();
  const [type, blob] = text.split(/\s+/);
  if (!type || !blob || !(KEY_TYPES as readonly string[]).includes(type)) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  const bytes = Buffer.from(blob, 'base64');
  // The blob starts with its own type as an SSH string: a length, then the name.
  if (bytes.length < 4 + type.length || bytes.readUInt32BE(0) !== type.length || bytes.subarray(4, 4 + type.length).toString('latin1') !== type) return undefined;
  return `${type} ${blob}`;
}

/** SSHKeysHelper.getPublicKeyFingerprint: MD5 of the key blob, lower-case hex pairs joined by colons. */
export function fingerprintOf(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

/** An SSH string or mpint: a 4-byte length, then the bytes (an mpint with a leading zero when its top bit is set). */
function sshField(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
const mpint = (unsigned: Buffer) => sshField(unsigned[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);

/** A new RSA pair of `bits` (ssh.key.length): the public key as `ssh-rsa <base64>`, the private key as PKCS#1 PEM. */
export function generateSshKeyPair(bits: number): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshField(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))]);
  const line = `ssh-rsa ${blob.toString('base64')}`;
  return { publicKey: line, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), fingerprint: fingerprintOf(line) };
}
