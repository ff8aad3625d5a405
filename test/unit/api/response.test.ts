import { toResponse } from '../../../functions/api/response';

const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? '');

describe('toResponse', () => {
  it('answers an empty list as {}', () => {
    const res = toResponse('listvirtualmachinesresponse', { kind: 'list', key: 'virtualmachine', items: [], count: 0 });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"listvirtualmachinesresponse":{}}');
  });

  it('answers a list with count as the total, not the page length', () => {
    const res = toResponse('listzonesresponse', { kind: 'list', key: 'zone', items: [{ id: 'z1' }], count: 7 });
    expect(bodyOf(res)).toEqual({ listzonesresponse: { count: 7, zone: [{ id: 'z1' }] } });
  });

  it('keeps the total on a page past the end of a non-empty list, as CloudStack does', () => {
    const res = toResponse('listzonesresponse', { kind: 'list', key: 'zone', items: [], count: 7 });
    expect(bodyOf(res)).toEqual({ listzonesresponse: { count: 7 } });
  });

  it('answers a single object under its object name', () => {
    const res = toResponse('listcapabilitiesresponse', { kind: 'object', key: 'capability', value: { cloudstackversion: 'x' } });
    expect(bodyOf(res)).toEqual({ listcapabilitiesresponse: { capability: { cloudstackversion: 'x' } } });
  });

  it('answers an async submit with jobid, and id first for create commands', () => {
    expect(res('stopvirtualmachineresponse', { kind: 'async', jobid: 'j1' })).toBe('{"stopvirtualmachineresponse":{"jobid":"j1"}}');
    expect(res('deployvirtualmachineresponse', { kind: 'async', jobid: 'j1', id: 'v1' })).toBe('{"deployvirtualmachineresponse":{"id":"v1","jobid":"j1"}}');
    expect(res('deployvirtualmachineresponse', { jobid: 'j2', id: 'v2' })).toBe('{"deployvirtualmachineresponse":{"id":"v2","jobid":"j2"}}');
  });

  it('answers success with a boolean and the optional display text', () => {
    expect(res('deletebackupscheduleresponse', { kind: 'success' })).toBe('{"deletebackupscheduleresponse":{"success":true}}');
    expect(bodyOf(toResponse('x', { kind: 'success', displaytext: 'done' }))).toEqual({ x: { success: true, displaytext: 'done' } });
  });

  it('answers a raw body flat under the envelope', () => {
    expect(bodyOf(toResponse('queryasyncjobresultresponse', { kind: 'raw', body: { jobid: 'j', jobstatus: 0 } }))).toEqual({
      queryasyncjobresultresponse: { jobid: 'j', jobstatus: 0 },
    });
  });

  it('sends the JSON content type and the ACS security headers', () => {
    const headers = toResponse('x', { kind: 'success' }).headers;
    expect(headers).toMatchObject({ 'Content-Type': 'application/json; charset=UTF-8', 'X-Content-Type-Options': 'nosniff' });
  });
});

function res(envelope: string, result: Parameters<typeof toResponse>[1]): string | undefined {
  return toResponse(envelope, result).body;
}
