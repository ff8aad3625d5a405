import type { SshKeyPair } from '../../core/entities';

/** CloudStack's SSHKeyPairResponse (`keypair` of create/register, `sshkeypair` of the list); the private key only once, at creation. */
export function toSshKeyPairResponse(k: SshKeyPair, domainName: string | undefined, privateKey?: string): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    account: k.accountName,
    accountid: k.accountId,
    domainid: k.domainId,
    domain: domainName,
    domainpath: k.domainPath,
    fingerprint: k.fingerprint,
    publickey: k.publicKey,
    ...(privateKey !== undefined ? { privatekey: privateKey } : {}),
    hasannotations: false,
  };
}
