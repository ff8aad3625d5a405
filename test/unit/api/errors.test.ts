import { AuthError, EntityNotFoundError, InternalError, MissingParameterError, PermissionDeniedError } from '../../../core/errors';
import { errorResponse } from '../../../functions/api/errors';

const parse = (r: { body?: string }) => JSON.parse(r.body ?? '');

describe('errorResponse', () => {
  it('answers a missing parameter with 431, cserrorcode 9999 and the exact text', () => {
    // Act
    const res = errorResponse(new MissingParameterError('deployVirtualMachine', 'zoneid'), 'deployvirtualmachineresponse', false);

    // Assess
    expect(res.statusCode).toBe(431);
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json; charset=UTF-8' });
    expect(res.body).toBe(
      '{"deployvirtualmachineresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"Unable to execute API command deployvirtualmachine due to missing parameter zoneid"}}',
    );
  });

  it('answers an auth failure with 401 and no cserrorcode', () => {
    const res = errorResponse(new AuthError(), 'listzonesresponse', false);
    expect(res.statusCode).toBe(401);
    expect(parse(res)).toEqual({ listzonesresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' } });
  });

  it('uses errorresponse when the command is unknown', () => {
    expect(Object.keys(parse(errorResponse(new AuthError(), undefined, false)))).toEqual(['errorresponse']);
  });

  it('keeps the code of each CloudStack error as the HTTP status', () => {
    const res = errorResponse(new PermissionDeniedError('no'), 'x', false);
    expect(res.statusCode).toBe(531);
    expect(parse(res).x).toMatchObject({ errorcode: 531, cserrorcode: 4365, errortext: 'no' });
    expect(errorResponse(new EntityNotFoundError('stopVirtualMachine', 'id', 'u'), 'x', false).statusCode).toBe(431);
  });

  it('hides unexpected errors from non-root callers and shows them as 530', () => {
    const user = parse(errorResponse(new TypeError('x is undefined'), 'x', false)).x;
    const root = parse(errorResponse(new TypeError('x is undefined'), 'x', true)).x;
    expect(user).toEqual({ uuidList: [], errorcode: 530, cserrorcode: 4250, errortext: 'Internal error executing command, please contact your system administrator' });
    expect(root.errortext).toBe('x is undefined');
    expect(parse(errorResponse(new InternalError('db down'), 'x', false)).x.errortext).toMatch(/^Internal error executing command/);
  });

  it('repeats the text in X-Description on one line', () => {
    expect(errorResponse(new InternalError('a\nb'), 'x', true).headers?.['X-Description']).toBe('a b');
  });
});
