import { checkSettingValue, normalizeSettingValue, settingDef, settingDisplayText, settingWireType, SETTINGS, type SettingDef } from '../../../core/settings';

const def = (name: string): SettingDef => {
  const d = settingDef(name);
  if (!d) throw new Error(`no setting ${name}`);
  return d;
};

describe('settings catalogue', () => {
  it('has each name once, a default its own check accepts, and global among its scopes', () => {
    expect(new Set(SETTINGS.map((s) => s.name)).size).toBe(SETTINGS.length);
    for (const s of SETTINGS) {
      expect(s.scopes).toContain('global');
      expect(checkSettingValue(s, normalizeSettingValue(s, s.defaultValue, false))).toBeUndefined();
    }
  });

  it.each([
    ['vm.instancename.flag', 'false'],
    ['instance.name', 'VM'],
    ['enable.dynamic.scale.vm', 'false'],
    ['scale.retry', '2'],
    ['vmsnapshot.max', '10'],
    ['vmsnapshot.create.wait', '1800'],
    ['unmanage.vm.preserve.nics', 'false'],
    ['backup.framework.enabled', 'false'],
    ['backup.framework.provider.plugin', 'dummy'],
    ['backup.framework.sync.interval', '300'],
    ['expunge.delay', '86400'],
    ['expunge.interval', '86400'],
    ['expunge.workers', '1'],
    ['vm.allocation.algorithm', 'random'],
    ['cpu.overprovisioning.factor', '1.0'],
    ['mem.overprovisioning.factor', '1.0'],
    ['ping.interval', '60'],
    ['ping.timeout', '2.5'],
    ['vm.job.timeout', '600000'],
  ])('defaults %s to CloudStack\'s %s', (name, value) => {
    expect(def(name).defaultValue).toBe(value);
  });

  it('scopes the zone and cluster settings as CloudStack does', () => {
    expect(def('enable.dynamic.scale.vm').scopes).toEqual(['global', 'zone']);
    expect(def('unmanage.vm.preserve.nics').scopes).toEqual(['global', 'zone']);
    expect(def('backup.framework.provider.plugin').scopes).toEqual(['global', 'zone']);
    expect(def('cpu.overprovisioning.factor').scopes).toEqual(['global', 'cluster']);
    expect(def('mem.overprovisioning.factor').scopes).toEqual(['global', 'cluster']);
    expect(def('expunge.delay').scopes).toEqual(['global']);
  });
});

describe('normalizeSettingValue', () => {
  it.each([
    ['a trimmed value', 'expunge.delay', ' 60 ', false, '60'],
    ['a Boolean in lower case', 'vm.instancename.flag', 'TRUE', false, 'true'],
    ['nothing for an empty global number', 'expunge.delay', '  ', false, null],
    ['nothing for "null"', 'expunge.delay', 'null', false, null],
    ['an empty text for an empty String', 'instance.name', '', false, ''],
    ['an empty text for an empty override', 'enable.dynamic.scale.vm', '', true, ''],
  ])('gives %s', (_, name, raw, scoped, expected) => {
    expect(normalizeSettingValue(def(name), raw, scoped)).toBe(expected);
  });
});

describe('checkSettingValue', () => {
  it.each([
    ['vm.instancename.flag', 'yes', 'Value [yes] is not a valid [class java.lang.Boolean].'],
    ['vm.instancename.flag', null, 'Value [null] is not a valid [class java.lang.Boolean].'],
    ['expunge.delay', '1.5', 'Value [1.5] is not a valid [class java.lang.Integer].'],
    ['expunge.delay', '2147483648', 'Value [2147483648] is not a valid [class java.lang.Integer].'],
    ['expunge.delay', '', 'Value [] is not a valid [class java.lang.Integer].'],
    ['vm.job.timeout', '9223372036854775808', 'Value [9223372036854775808] is not a valid [class java.lang.Long].'],
    ['cpu.overprovisioning.factor', 'two', 'Value [two] is not a valid [class java.lang.Float].'],
    ['cpu.overprovisioning.factor', '1e39', 'Value [1e39] is not a valid [class java.lang.Float].'],
    ['cpu.overprovisioning.factor', '0', 'Value for configuration [cpu.overprovisioning.factor] should be greater than 0.'],
    ['mem.overprovisioning.factor', '-1.5', 'Value for configuration [mem.overprovisioning.factor] should be greater than 0.'],
    ['expunge.interval', '0', 'Please enter a positive value for the configuration parameter: [expunge.interval].'],
    ['ping.interval', '-5', 'Please enter a positive value for the configuration parameter: [ping.interval].'],
    ['instance.name', 'my-cloud', 'The provided value is not a valid instance name (instance names cannot contain hyphens, spaces or plus signs).'],
    ['instance.name', 'a b', 'The provided value is not a valid instance name (instance names cannot contain hyphens, spaces or plus signs).'],
    [
      'vm.allocation.algorithm',
      'roundrobin',
      'The provided value is not a valid value for this configuration (Options are: [random,firstfit,userdispersing,userconcentratedpod_random,userconcentratedpod_firstfit,firstfitleastconsumed]).',
    ],
  ])('refuses %s = %p with CloudStack\'s text', (name, value, text) => {
    expect(checkSettingValue(def(name), value)).toBe(text);
  });

  it.each([
    ['vm.instancename.flag', 'true'],
    ['expunge.delay', '+60'],
    ['expunge.delay', '-1'],
    ['expunge.delay', '2147483647'],
    ['vm.job.timeout', '9223372036854775807'],
    ['cpu.overprovisioning.factor', '2.5'],
    ['cpu.overprovisioning.factor', '3f'],
    ['ping.timeout', '.5'],
    ['instance.name', 'STRATUS'],
    ['vm.allocation.algorithm', 'FirstFit'],
    ['user.vm.blacklisted.details', ''],
  ])('accepts %s = %p', (name, value) => {
    expect(checkSettingValue(def(name), value)).toBeUndefined();
  });
});

describe('how settings are shown', () => {
  it.each([
    ['vm.instancename.flag', 'Boolean', 'Vm instancename flag'],
    ['expunge.delay', 'Number', 'Expunge delay'],
    ['vm.job.timeout', 'Number', 'Vm job timeout'],
    ['cpu.overprovisioning.factor', 'Decimal', 'Cpu overprovisioning factor'],
    ['instance.name', 'String', 'Instance name'],
    ['vm.allocation.algorithm', 'Select', 'Vm allocation algorithm'],
    ['user.vm.blacklisted.details', 'CSV', 'User vm blacklisted details'],
  ])('gives %s the type %s and the display text %p', (name, type, text) => {
    expect(settingWireType(def(name))).toBe(type);
    expect(settingDisplayText(def(name))).toBe(text);
  });
});
