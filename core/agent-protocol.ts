import { z } from 'zod';

/**
 * The wire protocol between the agent on a hypervisor host and the agent gateway. The agent only
 * calls out: register, heartbeat, poll, report. Every request but register is signed with the host
 * secret (agent/signing.ts and functions/agent-gateway/auth.ts share core/agent-signing.ts).
 */

export const AGENT_PATHS = {
  register: '/agent/register',
  heartbeat: '/agent/heartbeat',
  poll: '/agent/poll',
  result: '/agent/result',
} as const;

/** Headers of a signed agent request. */
export const AGENT_HEADERS = {
  hostId: 'x-stratus-host',
  date: 'x-stratus-date',
  signature: 'x-stratus-signature',
} as const;

export const PowerStateSchema = z.enum(['PowerOn', 'PowerOff', 'Unknown']);

export const HostFactsSchema = z.object({
  hostname: z.string().min(1).max(255),
  hypervisor: z.enum(['KVM', 'Simulator']),
  cpuNumber: z.number().int().positive(),
  cpuSpeed: z.number().int().positive(),
  memoryTotal: z.number().int().positive(), // MiB
  ipAddress: z.string().min(1),
  agentVersion: z.string(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

export const DomainPowerStateSchema = z.object({ name: z.string(), state: PowerStateSchema });
export type DomainPowerState = z.infer<typeof DomainPowerStateSchema>;

export const RegisterRequestSchema = z.object({ token: z.string().min(16), facts: HostFactsSchema });
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
export const RegisterResponseSchema = z.object({ hostId: z.string(), secret: z.string() });
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;

export const HeartbeatRequestSchema = z.object({
  facts: HostFactsSchema,
  domains: z.array(DomainPowerStateSchema).max(5000),
  /** domains with a task running or waiting here: their power state is not final yet (the reconciler waits) */
  busy: z.array(z.string()).max(5000).default([]),
});
export type HeartbeatRequest = z.input<typeof HeartbeatRequestSchema>; // what an agent sends (`busy` may be left out)

/** What a VM needs on a host: enough for the simulator and for libvirt domain XML. */
export const VmSpecSchema = z.object({
  vmId: z.string(),
  instanceName: z.string(),
  displayName: z.string(),
  cpuNumber: z.number().int().positive(),
  cpuSpeed: z.number().int().positive(),
  memory: z.number().int().positive(), // MiB
  template: z.object({ id: z.string(), url: z.string(), format: z.string() }),
  nics: z.array(z.object({ macAddress: z.string(), networkName: z.string(), ipAddress: z.string() })),
});
export type VmSpec = z.infer<typeof VmSpecSchema>;

export const AgentCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('StartVm'), payload: z.object({ spec: VmSpecSchema }) }),
  z.object({
    command: z.literal('StopVm'),
    payload: z.object({ instanceName: z.string(), force: z.boolean(), timeoutMs: z.number().int().positive() }),
  }),
  z.object({ command: z.literal('RebootVm'), payload: z.object({ instanceName: z.string() }) }),
  z.object({ command: z.literal('UndefineVm'), payload: z.object({ instanceName: z.string(), removeDisks: z.boolean() }) }),
]);
export type AgentCommand = z.infer<typeof AgentCommandSchema>;
export type AgentCommandName = AgentCommand['command'];

/** A leased task as the agent receives it from a poll. */
export const LeasedTaskSchema = z.intersection(
  z.object({ taskId: z.string(), leaseId: z.string(), leaseUntil: z.number() }),
  AgentCommandSchema,
);
export type LeasedTask = z.infer<typeof LeasedTaskSchema>;

export const PollRequestSchema = z.object({ maxTasks: z.number().int().min(1).max(25).default(5), waitMs: z.number().int().min(0).max(20000).default(10000) });
export type PollRequest = z.infer<typeof PollRequestSchema>;
export const PollResponseSchema = z.object({ tasks: z.array(LeasedTaskSchema) });
export type PollResponse = z.infer<typeof PollResponseSchema>;

export const TaskErrorSchema = z.object({ name: z.string(), message: z.string(), retryable: z.boolean() });
export type TaskError = z.infer<typeof TaskErrorSchema>;

export const TaskResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.record(z.string(), z.unknown()).default({}) }),
  z.object({ ok: z.literal(false), error: TaskErrorSchema }),
]);
export type TaskResult = z.infer<typeof TaskResultSchema>;

export const ResultRequestSchema = z.object({ taskId: z.string(), leaseId: z.string(), result: TaskResultSchema });
export type ResultRequest = z.infer<typeof ResultRequestSchema>;
