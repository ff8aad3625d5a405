/**
 * Backup schedules (CloudStack's DateUtil.getNextRunTime), pure: the four interval types, the
 * `schedule` text of each, and the next time one is due in its own time zone.
 *
 * `schedule` is `MM` (HOURLY), `MM:HH` (DAILY), `MM:HH:D` (WEEKLY, D a Java Calendar day: 1 is
 * Sunday) or `MM:HH:DD` (MONTHLY, DD 1-28, so every month has it).
 */
export const BACKUP_INTERVAL_TYPES = ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'] as const;
export type BackupIntervalType = (typeof BACKUP_INTERVAL_TYPES)[number];

/** The interval type named case-insensitively, as CloudStack's IntervalType.getIntervalType; undefined if none. */
export const intervalTypeOf = (text: string): BackupIntervalType | undefined => BACKUP_INTERVAL_TYPES.find((t) => t === text.trim().toUpperCase());

interface Parsed {
  minute: number;
  hour: number;
  /** WEEKLY: 0 is Sunday (JavaScript's getUTCDay); MONTHLY: the day of the month */
  day: number;
}

/** The schedule's fields, or why they are wrong (the detail after CloudStack's "Invalid schedule" text). */
export function parseSchedule(type: BackupIntervalType, schedule: string): Parsed | string {
  const parts = schedule.trim().split(':');
  const need = { HOURLY: 1, DAILY: 2, WEEKLY: 3, MONTHLY: 3 }[type];
  if (parts.length < need) return `Incorrect schedule format: ${schedule} for interval type:${type}`;
  const numbers = parts.slice(0, need).map((p) => (/^\d{1,2}$/.test(p) ? Number(p) : NaN));
  if (numbers.some(Number.isNaN)) return `Incorrect schedule format: ${schedule} for interval type:${type}`;
  const [minute, hour = 0, day = 1] = numbers;
  if (minute > 59) return 'Minutes must be between 0 and 59';
  if (hour > 23) return 'Hours must be between 0 and 23';
  if (type === 'WEEKLY' && (day < 1 || day > 7)) return 'Day of the week must be between 1 (Sunday) and 7 (Saturday)';
  if (type === 'MONTHLY' && day > 28) return 'Day cannot be greater than 28 for monthly schedule';
  if (type === 'MONTHLY' && day < 1) return 'Day of the month must be between 1 and 28';
  return { minute, hour, day: type === 'WEEKLY' ? day - 1 : day };
}

/** Whether `timezone` is a time-zone ID this runtime knows (IANA names, `UTC`, `GMT`, fixed offsets such as `Etc/GMT+5`). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `at` in `timezone`. */
function wallClock(at: number, timezone: string) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '');
  return { year: get('year'), month: get('month') - 1, day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), weekday };
}

/** The offset of `timezone` from UTC at `at`, in ms. */
function offsetAt(at: number, timezone: string): number {
  const w = wallClock(at, timezone);
  return Date.UTC(w.year, w.month, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in `timezone` (month 0-based; day may run past the month's end,
 * as Date.UTC allows). A time that a daylight-saving jump skips is taken after the jump.
 */
function instantOf(timezone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const guess = Date.UTC(year, month, day, hour, minute);
  const first = guess - offsetAt(guess, timezone);
  const second = guess - offsetAt(first, timezone);
  return Math.max(first, second);
}

/**
 * The first time after `after` that the schedule is due, in its time zone (a whole minute). Each
 * candidate is stepped forward until it is past `after`: a wall time that a clock change repeats
 * (New York's 01:30 on the first Sunday of November) is never answered twice.
 */
export function nextRunAfter(type: BackupIntervalType, schedule: Parsed, timezone: string, after: Date): Date {
  const now = after.getTime();
  const w = wallClock(now, timezone);
  const at = (dayOffset: number, month = w.month, day = w.day) => instantOf(timezone, w.year, month, day + dayOffset, schedule.hour, schedule.minute);
  let next: number;
  switch (type) {
    case 'HOURLY':
      next = instantOf(timezone, w.year, w.month, w.day, w.hour, schedule.minute);
      while (next <= now) next += 3_600_000;
      break;
    case 'DAILY': {
      let days = 0;
      while ((next = at(days)) <= now) days += 1;
      break;
    }
    case 'WEEKLY': {
      let days = (schedule.day - w.weekday + 7) % 7;
      while ((next = at(days)) <= now) days += 7;
      break;
    }
    case 'MONTHLY': {
      let months = 0;
      while ((next = at(0, w.month + months, schedule.day)) <= now) months += 1;
      break;
    }
  }
  return new Date(next);
}
