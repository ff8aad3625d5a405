import { useEffect, useState } from 'preact/hooks';
import { ApiError, queryJob, type Job, type Obj } from './api';

/**
 * Every async command the console starts is followed here until it ends: its workflow's steps as
 * they complete, and on failure the step that failed and why (Stratus' `steps`, `failedstep` and
 * `failurereason` on queryAsyncJobResult). Pages reload their data when a job ends.
 */
export interface TrackedJob {
  jobid: string;
  label: string;
  job?: Job;
  error?: string;
}

const POLL_MS = 700;
/** Polls that fail in a row (the API unreachable) before the tray gives up on a job. */
const MAX_FAILED_POLLS = 20;
const SUCCESS_SHOWN_MS = 20_000;
let jobs: TrackedJob[] = [];
/** Moves when a job ends or a synchronous command changes something: every page's data depends on it. */
let changes = 0;
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());

function update(jobid: string, change: Partial<TrackedJob>): void {
  jobs = jobs.map((j) => (j.jobid === jobid ? { ...j, ...change } : j));
  notify();
}

/** Follow an async command's job; resolves with the finished job (failed ones too). */
export function track(label: string, answer: Obj): Promise<Job> {
  const jobid = String(answer.jobid);
  jobs = [{ jobid, label }, ...jobs.filter((j) => j.jobid !== jobid)].slice(0, 5);
  notify();
  return new Promise((resolve) => {
    let failures = 0;
    const giveUp = (text: string) => {
      const job: Job = { jobid, cmd: '', jobstatus: 2, steps: [], jobresult: { errortext: text } };
      update(jobid, { job, error: text });
      resolve(job);
    };
    const poll = async () => {
      try {
        const job = await queryJob(jobid);
        failures = 0;
        update(jobid, { job, error: undefined });
        if (job.jobstatus !== 0) {
          changes++;
          notify();
          // A success leaves the tray after a while (the page shows its outcome); a failure stays until dismissed.
          if (job.jobstatus === 1) setTimeout(() => dismiss(jobid), SUCCESS_SHOWN_MS);
          resolve(job);
          return;
        }
      } catch (err) {
        const text = err instanceof ApiError ? err.text : String(err);
        // The API's answer (no such job, the session gone) will not change: stop. A network error may pass.
        if ((err instanceof ApiError && err.code < 500) || ++failures >= MAX_FAILED_POLLS) return giveUp(`The job could not be followed: ${text}`);
        update(jobid, { error: text });
      }
      setTimeout(poll, POLL_MS);
    };
    void poll();
  });
}

/** Something changed without a job (a synchronous command): pages read their data again. */
export function changed(): void {
  changes++;
  notify();
}

/** Forget every job (at logout: the next user sees none of them). */
export function clearJobs(): void {
  jobs = [];
  notify();
}

export function dismiss(jobid: string): void {
  jobs = jobs.filter((j) => j.jobid !== jobid);
  notify();
}

function useStore<T>(read: () => T): T {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const changed = () => setValue(read);
    listeners.add(changed);
    return () => void listeners.delete(changed);
  }, []);
  return value;
}

export const useJobs = (): TrackedJob[] => useStore(() => jobs);
/** A number that moves each time a job ends or a command changes something: pages reload on it. */
export const useChanges = (): number => useStore(() => changes);

/** A failed job's error text, as its jobresult gives it. */
export const failureText = (job: Job): string => String(job.jobresult?.errortext ?? 'The job failed');

/** The steps that completed, in order (a failed job's failing step is named apart, with its reason). */
export function JobSteps({ job }: { job?: Job }) {
  if (!job) return <p class="muted">Starting…</p>;
  return (
    <ol class="steps">
      {job.steps.map((s) => (
        <li key={s.name + s.at} class={job.failedstep === s.name ? 'step failed' : 'step done'}>
          <span class="step-name">{s.name}</span>
        </li>
      ))}
      {job.jobstatus === 0 && (
        <li class="step running" aria-label="running">
          <span class="spinner" /> running…
        </li>
      )}
    </ol>
  );
}

/** The tray of jobs in the corner: what runs, what finished, what failed and where. */
export function JobTray() {
  const tracked = useJobs();
  if (!tracked.length) return null;
  return (
    <aside class="job-tray" aria-label="Jobs" aria-live="polite">
      {tracked.map((t) => {
        const status = t.job?.jobstatus ?? 0;
        return (
          <section key={t.jobid} class={`job job-${['running', 'succeeded', 'failed'][status]}`} data-jobid={t.jobid}>
            <header>
              <strong>{t.label}</strong>
              <span class="job-status">{['Running', 'Succeeded', 'Failed'][status]}</span>
              {(status !== 0 || t.error) && (
                <button type="button" class="link" aria-label={`Dismiss ${t.label}`} onClick={() => dismiss(t.jobid)}>
                  ×
                </button>
              )}
            </header>
            {status === 1 && !t.job?.steps.length ? null : status === 1 ? (
              // A finished job folds to one line, so the tray does not cover the page; its steps stay a click away.
              <details>
                <summary>{t.job?.steps.length ?? 0} steps</summary>
                <JobSteps job={t.job} />
              </details>
            ) : (
              <JobSteps job={t.job} />
            )}
            {status === 2 && t.job && (
              <div class="job-failure" role="alert">
                {t.job.failedstep && (
                  <p>
                    Failed at step <strong class="failed-step">{t.job.failedstep}</strong>
                  </p>
                )}
                <p class="failure-text">{failureText(t.job)}</p>
                {t.job.failurereason && t.job.failurereason.replace(/^\w+Error: /, '') !== failureText(t.job) && <p class="muted failure-reason">{t.job.failurereason}</p>}
              </div>
            )}
            {t.error && <p class="error">{t.error}</p>}
          </section>
        );
      })}
    </aside>
  );
}
