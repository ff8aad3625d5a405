import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { adoptVm } from './adoptVm';
import { attachVolume } from './attachVolume';
import { changeMedia } from './changeMedia';
import { checkVolume } from './checkVolume';
import { createVmSnapshot } from './createVmSnapshot';
import { deleteVmSnapshot } from './deleteVmSnapshot';
import { deleteBackup } from './deleteBackup';
import { deleteVolume } from './deleteVolume';
import { detachVolume } from './detachVolume';
import { downloadImage } from './downloadImage';
import { measureBackupRepository } from './measureBackupRepository';
import { migrateVm } from './migrateVm';
import { resizeVolume } from './resizeVolume';
import { restoreBackup } from './restoreBackup';
import { revertVmSnapshot } from './revertVmSnapshot';
import { rebootVm } from './rebootVm';
import { resolveIncomingVm } from './resolveIncomingVm';
import { scaleVm } from './scaleVm';
import { startVm } from './startVm';
import { stopVm } from './stopVm';
import { takeBackup } from './takeBackup';
import { undefineVm } from './undefineVm';
import { unmanageVm } from './unmanageVm';

/** Run one agent command with the driver: one command, one file, one driver call. `progress`: how far a download, a backup or a restore has come (percent). */
export function runCommand(driver: HypervisorDriver, command: AgentCommand, signal?: AbortSignal, progress: (percent: number) => void = () => undefined): Promise<TaskResult> {
  switch (command.command) {
    case 'StartVm':
      return startVm(driver, command.payload, signal);
    case 'StopVm':
      return stopVm(driver, command.payload, signal);
    case 'RebootVm':
      return rebootVm(driver, command.payload, signal);
    case 'UndefineVm':
      return undefineVm(driver, command.payload, signal);
    case 'MigrateVm':
      return migrateVm(driver, command.payload, signal);
    case 'ScaleVm':
      return scaleVm(driver, command.payload, signal);
    case 'ResolveIncomingVm':
      return resolveIncomingVm(driver, command.payload, signal);
    case 'AttachVolume':
      return attachVolume(driver, command.payload, signal);
    case 'DetachVolume':
      return detachVolume(driver, command.payload, signal);
    case 'ResizeVolume':
      return resizeVolume(driver, command.payload, signal);
    case 'DeleteVolume':
      return deleteVolume(driver, command.payload, signal);
    case 'CreateVmSnapshot':
      return createVmSnapshot(driver, command.payload, signal);
    case 'RevertVmSnapshot':
      return revertVmSnapshot(driver, command.payload, signal);
    case 'DeleteVmSnapshot':
      return deleteVmSnapshot(driver, command.payload, signal);
    case 'DownloadImage':
      return downloadImage(driver, command.payload, progress, signal);
    case 'ChangeMedia':
      return changeMedia(driver, command.payload, signal);
    case 'UnmanageVm':
      return unmanageVm(driver, command.payload, signal);
    case 'CheckVolume':
      return checkVolume(driver, command.payload, signal);
    case 'AdoptVm':
      return adoptVm(driver, command.payload, signal);
    case 'TakeBackup':
      return takeBackup(driver, command.payload, progress, signal);
    case 'RestoreBackup':
      return restoreBackup(driver, command.payload, progress, signal);
    case 'DeleteBackup':
      return deleteBackup(driver, command.payload, signal);
    case 'MeasureBackupRepository':
      return measureBackupRepository(driver, command.payload, signal);
  }
}
