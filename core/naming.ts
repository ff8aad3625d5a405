import { InvalidParameterError } from './errors';

/**
 * VM names. The host name follows RFC 1123 as CloudStack checks it; the internal name is
 * i-<user id>-<vm id>-<instance.name> (the display name instead of the suffix when
 * vm.instancename.flag is set, an issue-3 setting).
 */
const HOSTNAME = /^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export function checkHostName(name: string): void {
  if (!HOSTNAME.test(name))
    throw new InvalidParameterError(
      `Invalid value for instance name: ${name}. Instance name can not be longer than 63 characters. Only ASCII letters a~z, A~Z, digits 0~9, hyphen are allowed. Must start with a letter and end with a letter or a digit`,
    );
}

export function internalName(userNumericId: number, vmNumericId: number, suffix = 'VM'): string {
  return `i-${userNumericId}-${vmNumericId}-${suffix}`;
}

/** CloudStack's default host name for a VM deployed without one: VM-<uuid>. */
export const defaultHostName = (vmId: string) => `VM-${vmId}`;

/** A locally administered, unicast MAC address derived from a sequence number (02:00:xx:xx:xx:xx). */
export function macAddressFor(seq: number): string {
  const bytes = [2, 0, (seq >>> 24) & 0xff, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The n-th guest address of a network (n from 1), after the gateway; undefined when the range is used up. */
export function guestAddress(cidr: string, gateway: string, n: number): string | undefined {
  const [base, bits] = cidr.split('/');
  const toInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const start = toInt(base);
  const gw = toInt(gateway);
  let offset = 0;
  for (let i = 1; i < size - 1; i++) {
    if (start + i === gw) continue;
    if (++offset === n) {
      const v = start + i;
      return [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.');
    }
  }
  return undefined;
}

/** The most NICs a VM has (deployVirtualMachine networkids): listVirtualMachines networkid compares each. */
export const MAX_VM_NICS = 16;
/** The most SSH key pairs a VM is given (keypair + keypairs): listVirtualMachines keypair compares each. */
export const MAX_VM_KEY_PAIRS = 16;
