/**
 * Errors of the local Step Functions endpoint. They belong to the local runtime, not to the
 * CloudStack domain, so they live here rather than in core/errors.ts.
 */

/** A Step Functions API error: `code` is the `__type` the SDK turns into its modelled exception. */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'SfnApiError';
  }
}

/** An ASL file the local engine cannot run faithfully (JSONata, variables, invalid ASL, ...). */
export class WorkflowDefinitionError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'WorkflowDefinitionError';
  }
}
