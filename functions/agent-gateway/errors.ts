/**
 * The agent gateway's HTTP errors. They are not CloudStack errors: agents, not API clients, read
 * them, so each is just a status and a message that is safe to show.
 */
export abstract class AgentGatewayError extends Error {
  abstract readonly statusCode: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AgentGatewayError {
  readonly statusCode = 400;
}

/** A missing or bad signature, an unknown host, or a used or expired registration token. */
export class UnauthorizedError extends AgentGatewayError {
  readonly statusCode = 401;
}

export class NotFoundError extends AgentGatewayError {
  readonly statusCode = 404;
}

export class MethodNotAllowedError extends AgentGatewayError {
  readonly statusCode = 405;
}

/** A result reported under a lease the task no longer has. */
export class ConflictError extends AgentGatewayError {
  readonly statusCode = 409;
}
