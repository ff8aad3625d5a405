import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import type { JobsRepository } from '../store/jobs';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import {
  AGENT_PATHS,
  AgentCommandSchema,
  DomainDescriptionSchema,
  HeartbeatRequestSchema,
  type HeartbeatResponse,
  PollRequestSchema,
  ProgressRequestSchema,
  RegisterRequestSchema,
  ResultRequestSchema,
  type LeasedTask,
} from '../../core/agent-protocol';
import { RegistrationTokenError, UnknownHostError, type HostAgentRepository, type StandingOrders } from '../store/host-agent';
import { StaleLeaseError, type StoredAgentTask, type TasksRepository } from '../store/tasks';
import { authenticate, rawBody } from './auth';
import type { PoolReports } from '../store/storage';
import type { TemplatesRepository } from '../store/templates';
import type { UnmanagedInstancesRepository } from '../store/unmanaged';
import { AgentGatewayError, BadRequestError, ConflictError, MethodNotAllowedError, NotFoundError, UnauthorizedError } from './errors';

/**
 * The agent gateway: register, heartbeat, long-poll for tasks, report results. Built from its
 * collaborators so tests and the local runtime pass their own; handler.ts wires the real ones.
 */
export interface AgentGatewayDeps {
  hostAgent: Pick<HostAgentRepository, 'register' | 'secretFor' | 'heartbeat'>;
  tasks: Pick<TasksRepository, 'mark' | 'lease' | 'get' | 'complete' | 'remove' | 'renewLease'>;
  sfn: Pick<SFNClient, 'send'>;
  /** Records a waiting workflow state in its job's steps once the agent's success is delivered. */
  jobs: Pick<JobsRepository, 'recordStep' | 'recordProgress'>;
  /** The primary storage a host keeps and reports (absent: a gateway without storage, as in some tests). */
  pools?: Pick<PoolReports, 'poolSpecsFor' | 'record'>;
  /** Where a host's download progress goes (absent: a gateway without images, as in some tests). */
  images?: Pick<TemplatesRepository, 'recordProgress'>;
  /** Where a host's descriptions of its domains go (listUnmanagedInstances; absent in some tests). */
  domains?: Pick<UnmanagedInstancesRepository, 'record'>;
  now?: () => number;
  /** Pause between lease attempts of one long poll (env AGENT_POLL_INTERVAL_MS, default 1000: each look is a Query). */
  pollIntervalMs?: number;
  /** How long a lease lasts before the task is handed out again (env AGENT_LEASE_MS, default 60 s). */
  leaseMs?: number;
}

/** SendTask* answers meaning the workflow no longer waits for this token: the task is moot. */
const GONE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** How long before the function's time limit a long poll stops waiting. */
const POLL_RESERVE_MS = 3000;

type Result = Exclude<APIGatewayProxyResultV2, string>;
type Route = (event: APIGatewayProxyEventV2, deps: Required<Omit<AgentGatewayDeps, 'pools' | 'images' | 'domains'>> & Pick<AgentGatewayDeps, 'pools' | 'images' | 'domains'>, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<Result>;

const logger = new Logger({ serviceName: 'agent-gateway' });

function json(statusCode: number, body: unknown): Result {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function parseBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(rawBody(event) || '{}');
  } catch {
    throw new BadRequestError('Request body is not valid JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new BadRequestError(`Invalid request: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const register: Route = async (event, { hostAgent, now }) => {
  const { token, facts } = parseBody(event, RegisterRequestSchema);
  try {
    return json(200, await hostAgent.register(token, facts, new Date(now())));
  } catch (err) {
    if (err instanceof RegistrationTokenError || err instanceof UnknownHostError) throw new UnauthorizedError(err.message);
    throw err;
  }
};

const heartbeat: Route = async (event, { hostAgent, pools, images, domains, now }) => {
  const hostId = await authenticate(event, (id) => hostAgent.secretFor(id), now());
  const { facts, domains: powerStates, busy, pools: seen, downloads, described, vanished, complete } = parseBody(event, HeartbeatRequestSchema);
  let orders: StandingOrders;
  try {
    orders = await hostAgent.heartbeat(hostId, facts, powerStates, new Date(now()), busy);
  } catch (err) {
    if (err instanceof UnknownHostError) throw new UnauthorizedError('Missing or invalid agent signature');
    throw err;
  }
  // What it saw of its pools, then the pools it must keep: storage never fails a heartbeat.
  let keep: HeartbeatResponse['pools'] = [];
  if (pools) {
    try {
      await pools.record(hostId, seen, new Date(now()));
      keep = await pools.poolSpecsFor(hostId, now());
    } catch (err) {
      logger.warn('storage pools of a heartbeat not recorded', { hostId, error: (err as Error).message });
    }
  }
  // How far its downloads have come (registerTemplate's status): never fails a heartbeat either.
  if (images) {
    await Promise.all(downloads.map((d) => images.recordProgress(hostId, d.templateId, d.percent))).catch((err: Error) => logger.warn('download progress of a heartbeat not recorded', { hostId, error: err.message }));
  }
  // What it described of its domains (listUnmanagedInstances), each checked alone; like storage, it never fails a heartbeat.
  if (domains) {
    const valid = described.flatMap((d) => {
      const parsed = DomainDescriptionSchema.safeParse(d);
      if (!parsed.success) logger.warn('a domain description of a heartbeat is malformed; skipped', { hostId, error: z.prettifyError(parsed.error).slice(0, 500) });
      return parsed.success ? [parsed.data] : [];
    });
    await domains.record(hostId, { present: powerStates.map((d) => d.name), described: valid, vanished, complete: complete && valid.length === described.length }, new Date(now())).catch((err: Error) => logger.warn('domain descriptions of a heartbeat not recorded', { hostId, error: err.message }));
  }
  // The answer is the agent's standing orders (HA domains to fence if cut off, domains to stop now, pools to keep).
  const answer: HeartbeatResponse = { received: true, ...orders, pools: keep };
  return json(200, answer);
};

function toLeasedTask(task: StoredAgentTask): LeasedTask {
  const command = AgentCommandSchema.parse({ command: task.command, payload: task.payload });
  return { taskId: task.id, leaseId: task.leaseId ?? '', leaseUntil: task.leaseUntil ?? 0, deadline: task.deadline, ...command };
}

/** A long poll inside one request: lease, and if nothing is there, look again until waitMs passes. */
const poll: Route = async (event, { hostAgent, tasks, now, pollIntervalMs, leaseMs }, context) => {
  const hostId = await authenticate(event, (id) => hostAgent.secretFor(id), now());
  const { maxTasks, waitMs, holding } = parseBody(event, PollRequestSchema);
  // The wait is real time (it sleeps), whatever clock leases are judged by; it ends well before the
  // function's own time limit, so a task leased at the last moment is still delivered.
  const remaining = context?.getRemainingTimeInMillis?.() ?? Infinity;
  const until = performance.now() + Math.max(0, Math.min(waitMs, remaining - POLL_RESERVE_MS));
  for (;;) {
    // An idle host's look is one eventually consistent GetItem of its marker, not a consistent Query.
    const mark = await tasks.mark(hostId);
    const leased = mark.pending > 0 ? await tasks.lease(hostId, maxTasks, leaseMs, now(), mark, holding) : [];
    if (leased.length > 0) return json(200, { tasks: leased.map(toLeasedTask) });
    const left = until - performance.now();
    if (left <= 0) return json(200, { tasks: [] });
    await sleep(Math.min(pollIntervalMs, left));
  }
};

/** Answer the workflow's token once, then drop the task. Repeats and moot results are 200 accepted:false. */
const result: Route = async (event, { hostAgent, tasks, sfn, jobs, now }) => {
  const hostId = await authenticate(event, (id) => hostAgent.secretFor(id), now());
  const { taskId, leaseId, result: outcome } = parseBody(event, ResultRequestSchema);
  const task = await tasks.get(hostId, taskId);
  if (!task) return json(200, { accepted: false, reason: 'The task is already completed or expired' });
  if (task.leaseId !== leaseId) throw new ConflictError(`Lease ${leaseId} of task ${taskId} is no longer valid: the task was leased again`);

  try {
    if (outcome.ok) {
      // Recorded first: once the token is answered the workflow moves on and records its next step.
      if (task.jobId && task.jobStep) await jobs.recordStep(task.jobId, task.jobStep, new Date(now()));
      await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(outcome.data) }));
    } else {
      await sfn.send(
        new SendTaskFailureCommand({ taskToken: task.taskToken, error: outcome.error.name.slice(0, 256), cause: outcome.error.message.slice(0, 32768) }),
      );
    }
  } catch (err) {
    const name = (err as Error).name;
    if (!GONE_TOKEN_ERRORS.has(name)) throw err;
    await tasks.remove(hostId, taskId);
    return json(200, { accepted: false, reason: `The workflow no longer waits for this task (${name})` });
  }

  try {
    await tasks.complete(hostId, taskId, leaseId);
  } catch (err) {
    // Re-leased between our check and the delete: the token is answered, so the task is done anyway.
    if (!(err instanceof StaleLeaseError)) throw err;
    await tasks.remove(hostId, taskId);
  }
  return json(200, { accepted: true });
};

/**
 * A long task's progress: its lease is extended (it may run for hours), the waiting workflow state
 * heartbeated (HeartbeatSeconds notices an agent that died) and the job shows the percent. A task
 * gone or leased again, or a workflow that no longer waits, answers accepted:false: the agent aborts it.
 */
const progress: Route = async (event, { hostAgent, tasks, sfn, jobs, now, leaseMs }) => {
  const hostId = await authenticate(event, (id) => hostAgent.secretFor(id), now());
  const { taskId, leaseId, percent } = parseBody(event, ProgressRequestSchema);
  const task = await tasks.renewLease(hostId, taskId, leaseId, leaseMs, now());
  if (!task) return json(200, { accepted: false, reason: 'The task is completed, expired or leased again' });
  try {
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
  } catch (err) {
    const name = (err as Error).name;
    if (!GONE_TOKEN_ERRORS.has(name)) throw err;
    await tasks.remove(hostId, taskId);
    return json(200, { accepted: false, reason: `The workflow no longer waits for this task (${name})` });
  }
  if (task.jobId) await jobs.recordProgress(task.jobId, percent).catch((err: Error) => logger.warn('progress not recorded in the job', { hostId, taskId, error: err.message }));
  return json(200, { accepted: true });
};

const ROUTES: Record<string, Route> = {
  [AGENT_PATHS.register]: register,
  [AGENT_PATHS.heartbeat]: heartbeat,
  [AGENT_PATHS.poll]: poll,
  [AGENT_PATHS.result]: result,
  [AGENT_PATHS.progress]: progress,
};

/** The route's path without a named stage's prefix (`/prod/agent/poll` on stage `prod`). */
function routePath(event: APIGatewayProxyEventV2): string {
  const stage = event.requestContext?.stage;
  const path = event.rawPath ?? '';
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path;
}

/** Known errors become their status with a clear message; anything else is a bare 500, logged. */
export function agentGatewayErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: (request) => {
      const err = request.error;
      if (err instanceof AgentGatewayError) {
        request.response = json(err.statusCode, { message: err.message });
        return;
      }
      logger.error('agent gateway request failed', { path: request.event?.rawPath, error: err as Error });
      request.response = json(500, { message: 'Internal error' });
    },
  };
}

export function createAgentGateway(deps: AgentGatewayDeps | (() => AgentGatewayDeps)) {
  // A factory is asked on every request: it hands back the process's (memoized) collaborators.
  const resolve = (): Required<Omit<AgentGatewayDeps, 'pools' | 'images' | 'domains'>> & Pick<AgentGatewayDeps, 'pools' | 'images' | 'domains'> => ({
    now: Date.now,
    pollIntervalMs: Number(process.env.AGENT_POLL_INTERVAL_MS ?? 1000),
    leaseMs: Number(process.env.AGENT_LEASE_MS ?? 60_000),
    ...(typeof deps === 'function' ? deps() : deps),
  });

  const route = async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyResultV2> => {
    const handle = ROUTES[routePath(event)];
    if (!handle) throw new NotFoundError(`No agent route ${event.rawPath}`);
    if (event.requestContext.http.method !== 'POST') throw new MethodNotAllowedError(`${event.requestContext.http.method} is not allowed here; use POST`);
    return handle(event, resolve(), context);
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(route).use(agentGatewayErrors());
}
