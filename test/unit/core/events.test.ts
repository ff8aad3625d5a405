import type { Caller } from '../../../core/entities';
import { actionEventText, EVENT_TYPES, isEventResourceType, makesUsage, newEvent, USAGE_EVENT_TYPES } from '../../../core/events';

const admin: Caller = { userId: 'u-admin', username: 'admin', accountId: 'a-admin', accountName: 'admin', domainId: 'd-root', domainPath: 'ROOT', role: 'rootAdmin' };
const owner = { accountId: 'a-acme', accountName: 'acme-user', domainId: 'd-acme', domainPath: 'ROOT/acme' };

describe('event catalogue', () => {
  it('lists each type once, with every usage type among them', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    for (const t of USAGE_EVENT_TYPES) expect(EVENT_TYPES).toContain(t);
  });

  it('uses CloudStack\'s names, not guessed ones', () => {
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['VM.AG.UPDATE', 'REGISTER.USER.KEY', 'MAINT.PREPARE', 'CONFIGURATION.VALUE.EDIT']));
    expect(EVENT_TYPES).not.toContain('VM.AFFINITY.GROUP.UPDATE');
    expect(EVENT_TYPES).not.toContain('HOST.ADD');
    expect(EVENT_TYPES).not.toContain('CLUSTER.ADD');
  });

  it('matches resource types exactly, as ApiCommandResourceType.fromString does', () => {
    expect(isEventResourceType('VirtualMachine')).toBe(true);
    expect(isEventResourceType('virtualmachine')).toBe(false);
    expect(isEventResourceType('Pod')).toBe(false);
  });
});

describe('makesUsage', () => {
  it.each([
    ['VM.START', 'Completed', 'INFO', true],
    ['VM.CREATE', 'Completed', 'INFO', true],
    ['VM.DESTROY', 'Completed', 'INFO', true],
    ['VM.START', 'Completed', 'ERROR', false],
    ['VM.START', 'Started', 'INFO', false],
    ['VM.EXPUNGE', 'Completed', 'INFO', false],
    ['VM.REBOOT', 'Completed', 'INFO', false],
    ['CONFIGURATION.VALUE.EDIT', 'Completed', 'INFO', false],
  ] as const)('%s %s %s: %p', (type, state, level, expected) => {
    expect(makesUsage({ type, state, level })).toBe(expected);
  });
});

describe('newEvent', () => {
  it('names the acting user and, by default, the caller\'s own account', () => {
    const e = newEvent({ type: 'CONFIGURATION.VALUE.EDIT', caller: admin, description: 'changed' });
    expect(e).toEqual({
      type: 'CONFIGURATION.VALUE.EDIT',
      level: 'INFO',
      state: 'Completed',
      description: 'changed',
      accountId: 'a-admin',
      accountName: 'admin',
      domainId: 'd-root',
      domainPath: 'ROOT',
      userId: 'u-admin',
      username: 'admin',
    });
  });

  it('puts the event in the owner\'s account when an admin acts on a tenant\'s resource', () => {
    const e = newEvent({ type: 'VM.STOP', caller: admin, owner, description: 'stopped', resource: { type: 'VirtualMachine', id: 'vm-1', name: 'web' }, jobId: 'job-1', level: 'ERROR' });
    expect(e).toMatchObject({ accountId: 'a-acme', accountName: 'acme-user', domainPath: 'ROOT/acme', userId: 'u-admin', resourceType: 'VirtualMachine', resourceId: 'vm-1', resourceName: 'web', jobId: 'job-1', level: 'ERROR' });
  });
});

describe('actionEventText', () => {
  it('words completions and failures as ActionEventInterceptor does', () => {
    expect(actionEventText('completed', 'updating configuration', ' Name: a New Value: b')).toBe('Successfully completed updating configuration.  Name: a New Value: b');
    expect(actionEventText('error', 'updating configuration', ' Name: a New Value: b')).toBe('Error while updating configuration.  Name: a New Value: b');
    expect(actionEventText('completed', 'starting Vm')).toBe('Successfully completed starting Vm');
  });
});
