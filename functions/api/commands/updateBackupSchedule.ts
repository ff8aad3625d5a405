import { scheduleCommand } from '../backup-schedules';

/** updateBackupSchedule: the same as createBackupSchedule, as in CloudStack. */
export default scheduleCommand('updateBackupSchedule', 'Updates a user-defined VM backup schedule');
