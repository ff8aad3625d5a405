import { commandName, decodeForm, findParam, parseRequest } from '../../../functions/api/request';
import { apiEvent } from './fixtures';

describe('parseRequest', () => {
  it('reads a GET query string in the order the client sent it', () => {
    // Prepare
    const event = apiEvent({ query: 'command=listZones&response=json&apiKey=k1&signature=abc%2B%2F%3D' });

    // Act
    const params = parseRequest(event);

    // Assess
    expect(params).toEqual([
      ['command', 'listZones'],
      ['response', 'json'],
      ['apiKey', 'k1'],
      ['signature', 'abc+/='],
    ]);
  });

  it('reads a POST form body with an empty query string', () => {
    const params = parseRequest(apiEvent({ body: 'command=deployVirtualMachine&name=vm1' }));
    expect(params).toEqual([
      ['command', 'deployVirtualMachine'],
      ['name', 'vm1'],
    ]);
  });

  it('merges query and body, query first, and keeps only the first value of a repeated name', () => {
    const params = parseRequest(apiEvent({ query: 'command=listZones&name=a&name=b', body: 'name=c&keyword=x' }));
    expect(params).toEqual([
      ['command', 'listZones'],
      ['name', 'a'],
      ['keyword', 'x'],
    ]);
  });

  it('decodes + and %20 as a space, and keeps a literal + sent as %2B', () => {
    const params = parseRequest(apiEvent({ query: 'a=web+01&b=web%2001&c=1%2B1' }));
    expect(params).toEqual([
      ['a', 'web 01'],
      ['b', 'web 01'],
      ['c', '1+1'],
    ]);
  });

  it('accepts literal [ and ] in keys, as the Go SDKs send them', () => {
    const params = parseRequest(apiEvent({ query: 'details[0].cpuNumber=2&details%5B1%5D.memory=1024' }));
    expect(params).toEqual([
      ['details[0].cpuNumber', '2'],
      ['details[1].memory', '1024'],
    ]);
  });

  it('decodes a base64-encoded body', () => {
    const params = parseRequest(apiEvent({ body: 'command=listZones&keyword=a+b%7E', base64: true }));
    expect(params).toEqual([
      ['command', 'listZones'],
      ['keyword', 'a b~'],
    ]);
  });

  it('ignores a JSON body', () => {
    const params = parseRequest(apiEvent({ query: 'command=listZones', body: '{"a":1}', contentType: 'application/json' }));
    expect(params).toEqual([['command', 'listZones']]);
  });

  it('keeps a name without = as an empty value and skips empty segments', () => {
    expect(decodeForm('a&&b=1&')).toEqual([
      ['a', ''],
      ['b', '1'],
    ]);
  });

  it('keeps a stray % as sent instead of failing', () => {
    expect(decodeForm('k=100%&j=%41%zz')).toEqual([
      ['k', '100%'],
      ['j', 'A%zz'],
    ]);
  });

  it('finds apiKey and signatureVersion whatever their case, and the command by its exact name first', () => {
    const params = parseRequest(apiEvent({ query: 'APIKEY=k&signatureversion=3&Command=x&command=listZones' }));
    expect(findParam(params, 'apiKey')).toBe('k');
    expect(findParam(params, 'signatureVersion')).toBe('3');
    expect(commandName(params)).toBe('listZones');
  });
});
