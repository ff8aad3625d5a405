import { scheduleCommand } from '../backup-schedules';

/** createBackupSchedule: see scheduleCommand. */
export default scheduleCommand('createBackupSchedule', 'Creates a user-defined VM backup schedule');
