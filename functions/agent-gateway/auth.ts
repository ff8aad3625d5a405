import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AGENT_HEADERS } from '../../core/agent-protocol';
import { verifyAgentRequest } from '../../core/agent-signing';
import { UnauthorizedError } from './errors';

/** The raw body as the agent signed it. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * Check the signature headers against the host's secret and return the host id. Every failure
 * gives the same answer, so a caller learns nothing about which hosts exist.
 */
export async function authenticate(
  event: APIGatewayProxyEventV2,
  secretFor: (hostId: string) => Promise<string | undefined>,
  now: number,
): Promise<string> {
  const header = (name: string) => event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
  const hostId = header(AGENT_HEADERS.hostId);
  const date = header(AGENT_HEADERS.date);
  const signature = header(AGENT_HEADERS.signature);
  const denied = new UnauthorizedError('Missing or invalid agent signature');
  if (!hostId || !date || !signature) throw denied;
  const secret = await secretFor(hostId);
  if (!secret) throw denied;
  const ok = verifyAgentRequest(
    secret,
    { method: event.requestContext.http.method, path: event.rawPath, date, body: rawBody(event), signature },
    now,
  );
  if (!ok) throw denied;
  return hostId;
}
