import fc from 'fast-check';
import { z } from 'zod';
import { MalformedParameterError } from '../../../core/errors';
import { defineCommand, describeParam } from '../../../functions/api/define-command';
import { cs, javaBoolean, mergeMap, parseMapKey, splitList, unpackParams } from '../../../functions/api/params';

const MALFORMED = (key: string) =>
  `Unable to decode parameter ${key}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup`;

describe('unpackParams', () => {
  it('lower-cases command parameter names and keeps the first of two spellings', () => {
    expect(unpackParams([['zoneId', 'a'], ['ServiceOfferingId', 'b'], ['zoneid', 'c']])).toEqual({ zoneid: 'a', serviceofferingid: 'b' });
  });

  it('gathers name[i].field into a map by index, keeping the field case', () => {
    // Act
    const out = unpackParams([
      ['details[0].cpuNumber', '2'],
      ['details[1].memory', '1024'],
      ['Tags[0].key', 'env'],
      ['tags[0].value', 'prod'],
      ['nicipaddresslist[3].ip4Address', '10.1.1.5'],
    ]);

    // Assess
    expect(out).toEqual({
      details: { 0: { cpuNumber: '2' }, 1: { memory: '1024' } },
      tags: { 0: { key: 'env', value: 'prod' } },
      nicipaddresslist: { 3: { ip4Address: '10.1.1.5' } },
    });
  });

  it('takes the field after the first dot, as ParamUnpackWorker does', () => {
    expect(parseMapKey('dhcpoptionsnetworklist[0].dhcp:114')).toEqual({ name: 'dhcpoptionsnetworklist', index: 0, field: 'dhcp:114' });
    expect(parseMapKey('details[0]x.a.b')).toEqual({ name: 'details', index: 0, field: 'a.b' });
    expect(parseMapKey('details[+07].a')).toEqual({ name: 'details', index: 7, field: 'a' });
  });

  it('treats keys without a [ after the first character as plain names', () => {
    expect(parseMapKey('plain')).toBeUndefined();
    expect(parseMapKey('[0].x')).toBeUndefined();
    expect(parseMapKey('a]b')).toBeUndefined();
  });

  it.each(['details[0][1].a', 'details[0].a]', 'details]0[.a', 'details[0]', 'det.ails[0].a', 'details[x].a', 'details[].a', 'details[99999999999].a'])(
    'refuses %s with 430 and the CloudStack text',
    (key) => {
      // Act
      const act = () => unpackParams([[key, 'v']]);

      // Assess
      expect(act).toThrow(MalformedParameterError);
      expect(act).toThrow(MALFORMED(key));
      try {
        act();
      } catch (err) {
        expect((err as MalformedParameterError).errorCode).toBe(430);
      }
    },
  );

  it('merges map indices lower first for details', () => {
    expect(mergeMap({ 1: { memory: '1024' }, 0: { cpuNumber: '2', memory: '512' } })).toEqual({ cpuNumber: '2', memory: '512' });
    expect(mergeMap(undefined)).toEqual({});
  });

  it('parses any well-formed name[i].field and refuses any key with a second [', () => {
    const ident = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/);
    const field = fc.string({ minLength: 0, maxLength: 12 }).filter((s) => !s.includes('[') && !s.includes(']'));
    fc.assert(
      fc.property(ident, fc.integer({ min: -2147483648, max: 2147483647 }), field, fc.string({ maxLength: 8 }), (name, index, f, value) => {
        const out = unpackParams([[`${name}[${index}].${f}`, value]]);
        return JSON.stringify(out) === JSON.stringify({ [name.toLowerCase()]: { [index]: { [f]: value } } });
      }),
      { seed: 1, numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (key) => {
        // Any key either parses as plain, parses as a map key, or is a MalformedParameterError: nothing else escapes.
        try {
          unpackParams([[key, 'v']]);
          return !(key.indexOf('[') > 0 && key.indexOf('[') !== key.lastIndexOf('['));
        } catch (err) {
          return err instanceof MalformedParameterError && (err as Error).message === MALFORMED(key);
        }
      }),
      { seed: 2, numRuns: 1000 },
    );
  });
});

describe('value helpers', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['False', false],
    ['1', false],
    ['yes', false],
    ['', false],
  ])('reads the boolean %p as %p, like Boolean.valueOf', (text, value) => {
    expect(javaBoolean(text)).toBe(value);
  });

  it('splits lists on commas and drops empty tokens', () => {
    expect(splitList('a,b,,c,')).toEqual(['a', 'b', 'c']);
  });
});

describe('defineCommand parameter validation', () => {
  const command = defineCommand({
    name: 'deployVirtualMachine',
    description: 'Creates and automatically starts an Instance.',
    access: ['user', 'domainAdmin', 'rootAdmin'],
    async: true,
    params: z.object({
      zoneid: cs.uuid().meta({ description: 'zone' }),
      name: cs.string().optional(),
      startvm: cs.boolean().optional(),
      size: cs.long().optional(),
      cpunumber: cs.int().optional(),
      networkids: cs.list(cs.uuid()).optional(),
      userdata: cs.string(32768).optional(),
      details: cs.map().optional(),
      hostid: cs.uuid().optional().meta({ roles: ['rootAdmin'], since: '3.0.1', description: 'host' }),
      hypervisor: z.enum(['KVM', 'Simulator']).optional(),
    }),
    async handle() {
      return { kind: 'success' };
    },
  });
  const zone = 'd4f2d9a6-1c5b-4f1e-9a9e-0c2f6b1f2a11';

  it('converts wire strings to typed values', () => {
    const params = command.parse(
      { zoneid: zone, startvm: 'False', size: '20', cpunumber: '+2', networkids: `${zone},${zone}`, details: { 0: { cpuNumber: '2' } }, name: 'vm1' },
      'user',
    );
    expect(params).toEqual({ zoneid: zone, startvm: false, size: 20, cpunumber: 2, networkids: [zone, zone], details: { 0: { cpuNumber: '2' } }, name: 'vm1' });
  });

  it('answers a missing required parameter with the exact 431 text', () => {
    expect(() => command.parse({}, 'user')).toThrow('Unable to execute API command deployvirtualmachine due to missing parameter zoneid');
  });

  it.each([
    ['not-a-uuid'],
    ['D4F2D9A6-1C5B-4F1E-9A9E-0C2F6B1F2A11'], // upper case is not a UUID to ACS
  ])('answers a non-UUID id %s with the entity-not-found text', (value) => {
    expect(() => command.parse({ zoneid: value }, 'user')).toThrow(
      `Unable to execute API command deployvirtualmachine due to invalid value. Invalid parameter zoneid value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
    );
  });

  it('names the bad element of a UUID list', () => {
    expect(() => command.parse({ zoneid: zone, networkids: `${zone},nope` }, 'user')).toThrow('Invalid parameter networkids value=nope');
  });

  it('refuses a string over its max length with the ACS text', () => {
    expect(() => command.parse({ zoneid: zone, name: 'x'.repeat(256) }, 'user')).toThrow(
      'Unable to execute API command deployvirtualmachine due to invalid value. Value greater than max allowed length 255 for param: name',
    );
    expect(command.parse({ zoneid: zone, userdata: 'x'.repeat(32768) }, 'user').userdata).toHaveLength(32768);
  });

  it.each([
    ['cpunumber', 'two'],
    ['cpunumber', '99999999999'],
    ['size', '1.5'],
    ['hypervisor', 'VMware'],
  ])('refuses %s=%s as an invalid value naming the parameter', (name, value) => {
    let error: unknown;
    try {
      command.parse({ zoneid: zone, [name]: value }, 'user');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      name: 'InvalidParameterError',
      errorCode: 431,
      csErrorCode: 4350,
      message: `Unable to execute API command deployvirtualmachine due to invalid value ${value} for parameter ${name}`,
    });
  });

  it('ignores a parameter the caller role may not pass, as ACS does', () => {
    expect(command.parse({ zoneid: zone, hostid: zone }, 'user')).toEqual({ zoneid: zone });
    expect(command.parse({ zoneid: zone, hostid: zone }, 'rootAdmin')).toEqual({ zoneid: zone, hostid: zone });
  });

  it('describes its parameters for listApis, per role', () => {
    expect(command.paramInfo('user').map((p) => p.name)).not.toContain('hostid');
    expect(command.paramInfo('rootAdmin').find((p) => p.name === 'hostid')).toEqual({
      name: 'hostid',
      description: 'host',
      type: 'uuid',
      length: 255,
      required: false,
      since: '3.0.1',
      roles: ['rootAdmin'],
    });
    expect(describeParam('zoneid', command.params.shape.zoneid)).toMatchObject({ type: 'uuid', required: true, description: 'zone' });
    expect(describeParam('userdata', command.params.shape.userdata)).toMatchObject({ type: 'string', length: 32768, required: false });
    expect(describeParam('networkids', command.params.shape.networkids)).toMatchObject({ type: 'list' });
    expect(describeParam('details', command.params.shape.details)).toMatchObject({ type: 'map' });
    expect(describeParam('startvm', command.params.shape.startvm)).toMatchObject({ type: 'boolean' });
    expect(describeParam('size', command.params.shape.size)).toMatchObject({ type: 'long' });
    expect(describeParam('hypervisor', command.params.shape.hypervisor)).toMatchObject({ type: 'string' });
    expect(command.envelope).toBe('deployvirtualmachineresponse');
  });
});
