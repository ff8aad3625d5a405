/**
 * The agent gateway's HTTP errors. They are not CloudStack errors: agents, not API clients, read
 * them, so each is just a status and a message that is safe to show.
 */
export abstract class AgentGatewayError extends Error {
  /** A string literal in every class: the deployed bundle is minified (see core/errors.ts). */
  abstract override readonly name: string;
  abstract readonly statusCode: number;
}

export class BadRequestError extends AgentGatewayError {
  override readonly name = 'BadRequestError';
  readonly statusCode = 400;
}

/** A missing or bad signature, an unknown host, or a used or expired registration token. */
export class UnauthorizedError extends AgentGatewayError {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
}

export class NotFoundError extends AgentGatewayError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
}

export class MethodNotAllowedError extends AgentGatewayError {
  override readonly name = 'MethodNotAllowedError';
  readonly statusCode = 405;
}

/** A result reported under a lease the task no longer has. */
export class ConflictError extends AgentGatewayError {
  override readonly name = 'ConflictError';
  readonly statusCode = 409;
}
