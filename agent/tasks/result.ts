import type { TaskError, TaskResult } from '../../core/agent-protocol';
import { DriverError } from '../drivers/driver';

/** A driver failure as the workflow sees it: its name (matched by Catch), message and retryability. */
export function toTaskError(err: unknown): TaskError {
  if (err instanceof DriverError) return { name: err.name, message: err.message, retryable: err.retryable };
  if (err instanceof Error) return { name: err.name === 'Error' ? 'AgentError' : err.name, message: err.message, retryable: true };
  return { name: 'AgentError', message: String(err), retryable: true };
}

/** Run one driver call and turn its outcome into a TaskResult; nothing escapes as a throw. */
export async function asTaskResult(call: () => Promise<Record<string, unknown>>): Promise<TaskResult> {
  try {
    return { ok: true, data: await call() };
  } catch (err) {
    return { ok: false, error: toTaskError(err) };
  }
}
