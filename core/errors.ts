/**
 * CloudStack's error model. Each class carries the HTTP status / `errorcode` clients see, the
 * `cserrorcode` of the Java exception it stands for, and whether its text may be shown to a
 * non-root caller (`expose`). Only functions/api/errors.ts turns these into a response body, and
 * the recordJobFailure step turns them into a job's `{errorcode, errortext}`.
 */
export abstract class CloudStackError extends Error {
  abstract readonly errorCode: number;
  readonly csErrorCode: number = 9999;
  readonly expose: boolean = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** 431 with ParamProcessWorker's exact text: Go clients string-match it. */
export class MissingParameterError extends CloudStackError {
  readonly errorCode = 431;
  constructor(command: string, param: string) {
    super(`Unable to execute API command ${command.toLowerCase()} due to missing parameter ${param}`);
  }
}

/** 431 for an id that is not a known entity (or is not visible to the caller). */
export class EntityNotFoundError extends CloudStackError {
  readonly errorCode = 431;
  constructor(command: string, param: string, value: string) {
    super(
      `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
    );
  }
}

export class InvalidParameterError extends CloudStackError {
  readonly errorCode = 431;
  override readonly csErrorCode = 4350;
}

/** 430: a map key that is not `name[i].field`. */
export class MalformedParameterError extends CloudStackError {
  readonly errorCode = 430;
  constructor(key: string) {
    super(
      `Unable to decode parameter ${key}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup`,
    );
  }
}

export class PermissionDeniedError extends CloudStackError {
  readonly errorCode = 531;
  override readonly csErrorCode = 4365;
}

export class AccountLimitError extends CloudStackError {
  readonly errorCode = 532;
  override readonly csErrorCode = 4280;
}

export class InsufficientCapacityError extends CloudStackError {
  readonly errorCode = 533;
  override readonly csErrorCode = 4325;
}

export class ResourceUnavailableError extends CloudStackError {
  readonly errorCode = 534;
  override readonly csErrorCode = 4380;
}

export class ResourceAllocationError extends CloudStackError {
  readonly errorCode = 535;
  override readonly csErrorCode = 4370;
}

export class ResourceInUseError extends CloudStackError {
  readonly errorCode = 536;
  override readonly csErrorCode = 4375;
}

export class ConcurrentOperationError extends CloudStackError {
  readonly errorCode = 530;
  override readonly csErrorCode = 4300;
}

export class InternalError extends CloudStackError {
  readonly errorCode = 530;
  override readonly csErrorCode = 4250;
  override readonly expose = false;
}

/** 401: bad key, bad or expired signature, unknown command, or a command the role may not call. */
export class AuthError extends CloudStackError {
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

const byName: Record<string, { errorCode: number; csErrorCode: number }> = {
  MissingParameterError: { errorCode: 431, csErrorCode: 9999 },
  EntityNotFoundError: { errorCode: 431, csErrorCode: 9999 },
  InvalidParameterError: { errorCode: 431, csErrorCode: 4350 },
  PermissionDeniedError: { errorCode: 531, csErrorCode: 4365 },
  AccountLimitError: { errorCode: 532, csErrorCode: 4280 },
  InsufficientCapacityError: { errorCode: 533, csErrorCode: 4325 },
  ResourceUnavailableError: { errorCode: 534, csErrorCode: 4380 },
  ResourceAllocationError: { errorCode: 535, csErrorCode: 4370 },
  ResourceInUseError: { errorCode: 536, csErrorCode: 4375 },
  ConcurrentOperationError: { errorCode: 530, csErrorCode: 4300 },
};

/** Codes for an error known only by its class name (as a workflow's Catch hands it over). */
export function codesForErrorName(name: string): { errorCode: number; csErrorCode: number } {
  return byName[name] ?? { errorCode: 530, csErrorCode: 4250 };
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
