import { InvalidParameterError } from '../../core/errors';

/**
 * User data as CloudStack's UserVmManagerImpl.validateUserData takes it: base64, at most 2 KB of it
 * in a GET and 32 KB in a POST (R-UD.1, measured on the base64 text), not empty once decoded.
 */
export const MAX_USER_DATA_GET = 2048;
export const MAX_USER_DATA_POST = 32768;

export type HttpMethod = 'GET' | 'POST';

/** The user data to keep (whitespace a client wrapped it with removed), or CloudStack's refusal. */
export function checkUserData(userData: string, method: HttpMethod): string {
  const text = userData.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new InvalidParameterError('User data is not base64 encoded');
  const max = method === 'GET' ? MAX_USER_DATA_GET : MAX_USER_DATA_POST;
  if (text.length > max) throw new InvalidParameterError(`User data is too long for an http ${method} request`);
  if (Buffer.from(text, 'base64').length < 1) throw new InvalidParameterError('User data is too short');
  return text;
}
