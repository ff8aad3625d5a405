import type { AsyncJob } from '../../core/entities';
import { USER_ERROR_MESSAGE } from '../../core/errors';
import { csDate, type View } from './format';

/**
 * queryAsyncJobResult / listAsyncJobs: CloudStack's fields, plus `steps`, `failedstep` and
 * `failurereason` (Stratus' own; clients ignore keys they do not know). A pending job has no
 * `jobresult`; a restricted view hides the admin-only fields of a VM result.
 */
export function toAsyncJobResponse(job: AsyncJob, view: View, hiddenDetails: ReadonlySet<string> = new Set()): Record<string, unknown> {
  return {
    jobid: job.id,
    accountid: job.accountId,
    account: job.accountName,
    domainid: job.domainId,
    domainpath: job.domainPath,
    userid: job.userId,
    cmd: job.cmd,
    jobstatus: job.status,
    jobprocstatus: job.status === 0 ? (job.progress ?? 0) : 0,
    jobresultcode: job.resultCode,
    ...(job.status !== 0 && job.result ? { jobresulttype: 'object', jobresult: view === 'full' ? job.result : restricted(job, hiddenDetails) } : {}),
    jobinstancetype: job.instanceType,
    jobinstanceid: job.instanceId,
    created: csDate(job.created),
    completed: csDate(job.completed),
    steps: job.steps.map((s) => ({ name: s.name, at: csDate(s.at) })),
    ...(job.failedStep ? { failedstep: job.failedStep, ...(view === 'full' ? { failurereason: job.failureReason } : {}) } : {}),
  };
}

const ADMIN_ONLY_VM_FIELDS = ['instancename', 'hostid', 'hostname'];

/** A job's result as a caller other than the root admin sees it: no internals, no hidden VM details. */
function restricted(job: AsyncJob, hiddenDetails: ReadonlySet<string>): Record<string, unknown> {
  const body = job.result as Record<string, unknown>;
  if (job.status === 2) return { errorcode: body.errorcode, errortext: job.publicErrorText ?? USER_ERROR_MESSAGE };
  const vm = body.virtualmachine as Record<string, unknown> | undefined;
  if (!vm) return body;
  const shown = { ...vm };
  for (const k of ADMIN_ONLY_VM_FIELDS) delete shown[k];
  if (shown.details && typeof shown.details === 'object')
    shown.details = Object.fromEntries(Object.entries(shown.details as Record<string, unknown>).filter(([k]) => !hiddenDetails.has(k)));
  return { ...body, virtualmachine: shown };
}
