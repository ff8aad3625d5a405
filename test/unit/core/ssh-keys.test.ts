import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, generateSshKeyPair, publicKeyFromKeyMaterial } from '../../../core/ssh-keys';

/** SSH keys as CloudStack's SSHKeysHelper makes and reads them, checked against OpenSSH's own ssh-keygen where it is installed. */
describe('SSH keys', () => {
  const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqHIX2QqRXQvYqwQhUZ1o9vB7mXo6jEx8Xr1nGfHkR4';

  it('keeps a key line as type and base64, from OpenSSH\'s form or that form in base64, and refuses anything else', () => {
    expect(publicKeyFromKeyMaterial(`${ED25519} me@laptop`)).toBe(ED25519);
    expect(publicKeyFromKeyMaterial(`  ${ED25519}\n`)).toBe(ED25519);
    expect(publicKeyFromKeyMaterial(Buffer.from(`${ED25519} me@laptop`).toString('base64'))).toBe(ED25519);
    for (const bad of ['', 'ssh-rsa', 'ssh-rsa AAAA', `ssh-rsa ${ED25519.split(' ')[1]}`, 'ssh-ed25519 not*base64', 'ssh-foo AAAAC3NzaC1lZDI1NTE5']) expect(publicKeyFromKeyMaterial(bad)).toBeUndefined();
  });

  it('makes an RSA pair of the asked size whose public line and MD5 fingerprint are what ssh-keygen derives from its private key', () => {
    const pair = generateSshKeyPair(2048);
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(pair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(pair.fingerprint).toBe(fingerprintOf(pair.publicKey));
    const dir = mkdtempSync(join(tmpdir(), 'stratus-sshkey-'));
    try {
      const file = join(dir, 'id_rsa');
      writeFileSync(file, pair.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file]).toString().trim();
      expect(derived.split(' ').slice(0, 2).join(' ')).toBe(pair.publicKey);
      writeFileSync(`${file}.pub`, `${pair.publicKey}\n`);
      expect(execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', `${file}.pub`]).toString()).toContain(`MD5:${pair.fingerprint}`);
      expect(execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`]).toString()).toMatch(/^2048 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
