import { checkHostName, guestAddress, internalName, macAddressFor } from '../../../core/naming';
import { stableId, UUID_PATTERN } from '../../../core/ids';

describe('VM naming', () => {
  it.each(['web-01', 'a', 'A1', 'x'.repeat(63)])('accepts the host name %s', (name) => expect(() => checkHostName(name)).not.toThrow());
  it.each(['1web', '-web', 'web-', 'web_01', 'web.01', 'x'.repeat(64), ''])('refuses the host name %s', (name) => expect(() => checkHostName(name)).toThrow(/Instance name can not be longer than 63 characters/));

  it('builds the internal name from the numeric user and VM ids', () => expect(internalName(2, 15)).toBe('i-2-15-VM'));
  it('makes locally administered unicast MAC addresses', () => expect(macAddressFor(258)).toBe('02:00:00:00:01:02'));

  it('hands out guest addresses after the gateway until the range is used up', () => {
    expect(guestAddress('10.1.1.0/24', '10.1.1.1', 1)).toBe('10.1.1.2');
    expect(guestAddress('10.1.1.0/24', '10.1.1.1', 253)).toBe('10.1.1.254');
    expect(guestAddress('10.1.1.0/24', '10.1.1.1', 254)).toBeUndefined();
  });

  it('derives the same lower-case UUID from the same name', () => {
    expect(stableId('zone', 'zone1')).toBe(stableId('zone', 'zone1'));
    expect(stableId('zone', 'zone1')).toMatch(UUID_PATTERN);
    expect(stableId('zone', 'zone2')).not.toBe(stableId('zone', 'zone1'));
  });
});
