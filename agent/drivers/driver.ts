import type { DomainPowerState, HostFacts, VmSpec } from '../../core/agent-protocol';

/**
 * What the agent needs from a hypervisor. Every call is idempotent, because a lease that expires
 * hands the same task out again: starting a running domain succeeds, stopping a stopped (or
 * missing) one succeeds, undefining a missing one succeeds.
 */
export interface HypervisorDriver {
  hostFacts(): Promise<HostFacts>;
  /** Every domain the hypervisor knows and its power state; sent with each heartbeat. */
  domains(): Promise<DomainPowerState[]>;
  /** Define (if needed) and power on. Already running: success. */
  start(spec: VmSpec, signal?: AbortSignal): Promise<void>;
  /** Graceful shutdown within timeoutMs, or power off when forced. Already off or missing: success. */
  stop(name: string, o: { force: boolean; timeoutMs: number }, signal?: AbortSignal): Promise<void>;
  /** Restart a running domain. */
  reboot(name: string, signal?: AbortSignal): Promise<void>;
  /** Power off if needed and forget the domain, with its disks when asked. Missing: success. */
  undefine(name: string, o: { removeDisks: boolean }, signal?: AbortSignal): Promise<void>;
}

/**
 * A failure a driver understands. `name` is what the workflow's Catch and the job's CloudStack
 * error see (core/errors.ts codesForErrorName), so drivers use those class names where one fits.
 */
export class DriverError extends Error {
  constructor(
    name: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = name;
  }
}
