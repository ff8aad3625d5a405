/**
 * CloudStack's error model. Each class carries the HTTP status / `errorcode` clients see, the
 * `cserrorcode` of the Java exception it stands for, and whether its text may be shown to a
 * non-root caller (`expose`). Only functions/api/errors.ts turns these into a response body, and
 * the recordJobFailure step turns them into a job's `{errorcode, errortext}`.
 */
export abstract class CloudStackError extends Error {
  /**
   * A string literal in every class, never `new.target.name`: the deployed bundles are minified,
   * which renames classes, and workflows (Catch, Retry) and recordJobFailure know errors by name.
   */
  abstract override readonly name: string;
  abstract readonly errorCode: number;
  readonly csErrorCode: number = 9999;
  readonly expose: boolean = true;
}

/** 431 with ParamProcessWorker's exact text: Go clients string-match it. */
export class MissingParameterError extends CloudStackError {
  override readonly name = 'MissingParameterError';
  readonly errorCode = 431;
  constructor(command: string, param: string) {
    super(`Unable to execute API command ${command.toLowerCase()} due to missing parameter ${param}`);
  }
}

/** 431 for an id that is not a known entity (or is not visible to the caller). */
export class EntityNotFoundError extends CloudStackError {
  override readonly name = 'EntityNotFoundError';
  readonly errorCode = 431;
  constructor(command: string, param: string, value: string) {
    super(
      `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
    );
  }
}

export class InvalidParameterError extends CloudStackError {
  override readonly name = 'InvalidParameterError';
  readonly errorCode = 431;
  override readonly csErrorCode = 4350;
}

/** 430: a map key that is not `name[i].field`. */
export class MalformedParameterError extends CloudStackError {
  override readonly name = 'MalformedParameterError';
  readonly errorCode = 430;
  constructor(key: string) {
    super(
      `Unable to decode parameter ${key}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup`,
    );
  }
}

export class PermissionDeniedError extends CloudStackError {
  override readonly name = 'PermissionDeniedError';
  readonly errorCode = 531;
  override readonly csErrorCode = 4365;
}

export class AccountLimitError extends CloudStackError {
  override readonly name = 'AccountLimitError';
  readonly errorCode = 532;
  override readonly csErrorCode = 4280;
}

export class InsufficientCapacityError extends CloudStackError {
  override readonly name = 'InsufficientCapacityError';
  readonly errorCode = 533;
  override readonly csErrorCode = 4325;
}

export class ResourceUnavailableError extends CloudStackError {
  override readonly name = 'ResourceUnavailableError';
  readonly errorCode = 534;
  override readonly csErrorCode = 4380;
}

export class ResourceAllocationError extends CloudStackError {
  override readonly name = 'ResourceAllocationError';
  readonly errorCode = 535;
  override readonly csErrorCode = 4370;
}

export class ResourceInUseError extends CloudStackError {
  override readonly name = 'ResourceInUseError';
  readonly errorCode = 536;
  override readonly csErrorCode = 4375;
}

export class ConcurrentOperationError extends CloudStackError {
  override readonly name = 'ConcurrentOperationError';
  readonly errorCode = 530;
  override readonly csErrorCode = 4300;
}

export class InternalError extends CloudStackError {
  override readonly name = 'InternalError';
  readonly errorCode = 530;
  override readonly csErrorCode = 4250;
  override readonly expose = false;
}

/**
 * 530 for a refusal CloudStack words itself and raises as a CloudRuntimeException, which its command
 * turns into ServerApiException(INTERNAL_ERROR) (unmanageVirtualMachine's preconditions): a
 * client's answer, its text shown, not an incident.
 */
export class OperationRefusedError extends CloudStackError {
  override readonly name = 'OperationRefusedError';
  readonly errorCode = 530;
  override readonly csErrorCode = 4250;
}

/** 432 (ApiErrorCode.UNSUPPORTED_ACTION_ERROR): a signed request for a command Stratus does not have. */
export class UnsupportedActionError extends CloudStackError {
  override readonly name = 'UnsupportedActionError';
  readonly errorCode = 432;
}

/** 429 (ApiErrorCode.API_LIMIT_EXCEED): an account past api.throttling.max requests in its interval. */
export class ApiLimitExceededError extends CloudStackError {
  override readonly name = 'ApiLimitExceededError';
  readonly errorCode = 429;
}

/** 401: bad key, bad or expired signature, a missing command, or a command the role may not call. */
export class AuthError extends CloudStackError {
  override readonly name = 'AuthError';
  readonly errorCode = 401;
  constructor(message = 'unable to verify user credentials and/or request signature') {
    super(message);
  }
}

/** The text CloudStack shows non-root callers for an unexposed error (BaseCmd.USER_ERROR_MESSAGE). */
export const USER_ERROR_MESSAGE = 'Internal error executing command, please contact your system administrator';

/** The plain `{errorcode, errortext}` pair a job result or an error body carries. */
export interface ErrorShape {
  errorcode: number;
  cserrorcode?: number;
  errortext: string;
}

/** Map anything thrown to CloudStack's shape; unknown errors are 530 internal errors. */
export function toErrorShape(err: unknown, { rootAdmin }: { rootAdmin: boolean }): ErrorShape {
  if (err instanceof CloudStackError) {
    const errortext = err.expose || rootAdmin ? err.message : USER_ERROR_MESSAGE;
    return err instanceof AuthError
      ? { errorcode: err.errorCode, errortext }
      : { errorcode: err.errorCode, cserrorcode: err.csErrorCode, errortext };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { errorcode: 530, cserrorcode: 4250, errortext: rootAdmin ? message : USER_ERROR_MESSAGE };
}

// The errors a step may throw, each known by its name once it has crossed a workflow's Catch.
const byName = new Map(
  [
    new MissingParameterError('', ''),
    new EntityNotFoundError('', '', ''),
    new InvalidParameterError(''),
    new PermissionDeniedError(''),
    new AccountLimitError(''),
    new InsufficientCapacityError(''),
    new ResourceUnavailableError(''),
    new ResourceAllocationError(''),
    new ResourceInUseError(''),
    new ConcurrentOperationError(''),
    new OperationRefusedError(''),
  ].map((e) => [e.name, { errorCode: e.errorCode, csErrorCode: e.csErrorCode }]),
);

/** Codes for an error known only by its class name (as a workflow's Catch hands it over). */
export function codesForErrorName(name: string): { errorCode: number; csErrorCode: number } {
  return byName.get(name) ?? { errorCode: 530, csErrorCode: 4250 };
}

/**
 * Lost the race for a host's last room (its capacity condition failed in the reservation
 * transaction). Workflows catch it by name and choose again; clients never see it.
 */
export class CapacityRaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapacityRaceError';
  }
}
