import { ConcurrentOperationError, OperationRefusedError } from '../../core/errors';
import { stableId } from '../../core/ids';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter, type JobStarter } from '../api/jobs';
import { backupFilesHost, zoneBackupProvider } from '../backups';
import { createStore, type Store } from '../store';
import { scheduledRun } from './scheduled-run';

export interface BackupSyncReport {
  ran: boolean;
  /** a sync job per repository measured this time */
  started: Array<{ repositoryId: string; jobid: string }>;
  /** repositories not measured this time, and why (no Up host in the zone) */
  skipped: Array<{ repositoryId: string; reason: string }>;
}

/**
 * The backup framework's sync task (J4; CloudStack's BackupSyncTask), every
 * `backup.framework.sync.interval` seconds: each nas backup repository of a zone where the nas
 * provider is on is measured by an Up host of its zone (workflows/sync-backup-repository.asl.json),
 * its capacity and use recorded. The dummy provider has nothing to sync (CloudStack's sync does
 * nothing for it either); providers that run their own policies (Veeam, Networker, whose restore
 * points the sync would import) are not supported. Reads the zones (a small catalogue) and each nas
 * zone's repositories. A sync slot's job id derives from the repository and the slot, so two runs
 * in one interval start one job.
 */
export async function runBackupSync(store: Store, jobs: JobStarter, { now = new Date(), force = false } = {}): Promise<BackupSyncReport> {
  const interval = await store.settings.getNumber('backup.framework.sync.interval');
  const report: BackupSyncReport = { ran: false, started: [], skipped: [] };
  if (!force && !(await store.schedules.claim('backupSync', interval, now))) return report;
  report.ran = true;
  const slot = Math.floor(now.getTime() / (interval * 1000));
  for (const zone of await store.inventory.listZones()) {
    if ((await zoneBackupProvider(store, zone.id)) !== 'nas') continue;
    const repositories = await store.backups.repositoriesOfZone(zone.id);
    if (repositories.length === 0) continue;
    let hostId: string;
    try {
      hostId = await backupFilesHost(store, zone.id);
    } catch (err) {
      if (!(err instanceof OperationRefusedError)) throw err;
      for (const r of repositories) report.skipped.push({ repositoryId: r.id, reason: err.message });
      continue;
    }
    for (const repository of repositories) {
      try {
        const started = await jobs.startOnRepository({
          jobId: stableId('backup-sync', repository.id, String(force ? now.getTime() : slot)),
          workflow: 'sync-backup-repository',
          cmd: 'org.apache.cloudstack.backup.BackupSyncTask',
          eventType: 'BACKUP.USAGE.METRIC',
          caller: SYSTEM_CALLER,
          repository,
          input: { hostId },
        });
        report.started.push({ repositoryId: repository.id, jobid: started.jobid });
      } catch (err) {
        if (!(err instanceof ConcurrentOperationError)) throw err; // this slot's sync is running already
      }
    }
  }
  return report;
}

export const handler = async (event?: unknown) => {
  const { force } = scheduledRun(event);
  const store = createStore();
  return runBackupSync(store, createJobStarter(store), { force });
};
