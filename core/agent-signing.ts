import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Agent request signing: HMAC-SHA256 over method, path, date and the body's SHA-256, keyed with the
 * host secret that registration handed out. The date bounds replay to MAX_SKEW_MS.
 */
export const MAX_SKEW_MS = 5 * 60 * 1000;

export function agentStringToSign(method: string, path: string, date: string, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return [method.toUpperCase(), path, date, bodyHash].join('\n');
}

export function signAgentRequest(secret: string, method: string, path: string, date: string, body: string): string {
  return createHmac('sha256', secret).update(agentStringToSign(method, path, date, body)).digest('base64');
}

/** True when the signature matches and the date is within the allowed skew of `now`. */
export function verifyAgentRequest(
  secret: string,
  req: { method: string; path: string; date: string; body: string; signature: string },
  now: number,
): boolean {
  const at = Date.parse(req.date);
  if (!Number.isFinite(at) || Math.abs(now - at) > MAX_SKEW_MS) return false;
  const expected = Buffer.from(signAgentRequest(secret, req.method, req.path, req.date, req.body));
  const given = Buffer.from(req.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
