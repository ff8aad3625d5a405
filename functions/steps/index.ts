import { handler as allocateVolumes } from './allocateVolumes';
import { handler as applyVmEvent } from './applyVmEvent';
import { handler as chooseHost } from './chooseHost';
import { handler as chooseMigrationHost } from './chooseMigrationHost';
import { handler as commitMigration } from './commitMigration';
import { handler as commitScale } from './commitScale';
import { handler as dispatchAgentTask } from './dispatchAgentTask';
import { handler as failImageDownload } from './failImageDownload';
import { handler as failRepositorySync } from './failRepositorySync';
import { handler as finishImageDownload } from './finishImageDownload';
import { handler as finishDiskImport } from './finishDiskImport';
import { handler as finishImport } from './finishImport';
import { handler as finishBackup } from './finishBackup';
import { handler as takeBackup } from './takeBackup';
import { handler as applyBackupRetention } from './applyBackupRetention';
import { handler as restoreBackup } from './restoreBackup';
import { handler as finishRestore } from './finishRestore';
import { handler as finishIsoChange } from './finishIsoChange';
import { handler as finishMaintenance } from './finishMaintenance';
import { handler as finishUnmanage } from './finishUnmanage';
import { handler as finishStorageMaintenance } from './finishStorageMaintenance';
import { handler as finishVmSnapshot } from './finishVmSnapshot';
import { handler as forgetBackup } from './forgetBackup';
import { handler as forgetVolume } from './forgetVolume';
import { handler as keepBackup } from './keepBackup';
import { handler as keepVolume } from './keepVolume';
import { handler as listHostVms } from './listHostVms';
import { handler as recordJobFailure } from './recordJobFailure';
import { handler as recordJobSuccess } from './recordJobSuccess';
import { handler as recordVolumeSuccess } from './recordVolumeSuccess';
import { handler as releaseCapacity } from './releaseCapacity';
import { handler as releaseMigration } from './releaseMigration';
import { handler as releaseScale } from './releaseScale';
import { handler as recordRepositoryStats } from './recordRepositoryStats';
import { handler as reserveCapacity } from './reserveCapacity';
import { handler as reserveMigration } from './reserveMigration';
import { handler as reserveScale } from './reserveScale';
import { handler as startVmMigration } from './startVmMigration';
import { handler as settleOldRoot } from './settleOldRoot';
import { handler as stopPoolVms } from './stopPoolVms';
import { handler as swapRootVolume } from './swapRootVolume';
import { handler as undoAttach } from './undoAttach';
import { handler as undoImport } from './undoImport';
import { handler as undoResize } from './undoResize';

/**
 * Every workflow step handler by name (`${ChooseHostFn}` in ASL -> `chooseHost`), for the local
 * runtime; on AWS each is its own Lambda function. A test checks that every placeholder in
 * workflows/ names one of these and every file here is listed once.
 */
export const stepHandlers: Readonly<Record<string, (event: unknown) => Promise<unknown>>> = {
  allocateVolumes,
  applyVmEvent,
  chooseHost,
  chooseMigrationHost,
  commitMigration,
  commitScale,
  dispatchAgentTask,
  failImageDownload,
  failRepositorySync,
  finishImageDownload,
  finishDiskImport,
  finishImport,
  finishBackup,
  takeBackup,
  applyBackupRetention,
  restoreBackup,
  finishRestore,
  finishIsoChange,
  finishMaintenance,
  finishUnmanage,
  finishStorageMaintenance,
  finishVmSnapshot,
  forgetBackup,
  forgetVolume,
  keepBackup,
  keepVolume,
  listHostVms,
  recordJobFailure,
  recordJobSuccess,
  recordVolumeSuccess,
  releaseCapacity,
  releaseMigration,
  releaseScale,
  recordRepositoryStats,
  reserveCapacity,
  reserveMigration,
  reserveScale,
  settleOldRoot,
  startVmMigration,
  stopPoolVms,
  swapRootVolume,
  undoAttach,
  undoImport,
  undoResize,
};
