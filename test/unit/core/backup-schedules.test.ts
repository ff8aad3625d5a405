import { intervalTypeOf, isTimeZone, nextRunAfter, parseSchedule } from '../../../core/backup-schedules';

const next = (type: Parameters<typeof nextRunAfter>[0], schedule: string, timezone: string, after: string) => {
  const parsed = parseSchedule(type, schedule);
  if (typeof parsed === 'string') throw new Error(parsed);
  return nextRunAfter(type, parsed, timezone, new Date(after)).toISOString();
};

describe('backup schedules (CloudStack DateUtil.getNextRunTime)', () => {
  it('reads the interval type case-insensitively and refuses others', () => {
    expect(intervalTypeOf('hourly')).toBe('HOURLY');
    expect(intervalTypeOf('Monthly')).toBe('MONTHLY');
    expect(intervalTypeOf('YEARLY')).toBeUndefined();
  });

  it("refuses schedules that do not fit their interval type, with CloudStack's texts where it has one", () => {
    expect(parseSchedule('HOURLY', '60')).toBe('Minutes must be between 0 and 59');
    expect(parseSchedule('DAILY', '10')).toBe('Incorrect schedule format: 10 for interval type:DAILY');
    expect(parseSchedule('DAILY', '10:24')).toBe('Hours must be between 0 and 23');
    expect(parseSchedule('WEEKLY', '00:10:8')).toMatch(/^Day of the week/);
    expect(parseSchedule('MONTHLY', '00:10:29')).toBe('Day cannot be greater than 28 for monthly schedule');
    expect(parseSchedule('MONTHLY', 'a:b:c')).toMatch(/^Incorrect schedule format/);
    expect(parseSchedule('WEEKLY', '30:02:1')).toEqual({ minute: 30, hour: 2, day: 0 });
  });

  it('knows time-zone IDs', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('finds the next run of each interval type, strictly after now', () => {
    expect(next('HOURLY', '15', 'UTC', '2026-03-10T10:14:59Z')).toBe('2026-03-10T10:15:00.000Z');
    expect(next('HOURLY', '15', 'UTC', '2026-03-10T10:15:00Z')).toBe('2026-03-10T11:15:00.000Z');
    expect(next('DAILY', '30:02', 'UTC', '2026-03-10T03:00:00Z')).toBe('2026-03-11T02:30:00.000Z');
    // Sunday (1) after Tuesday 10 March 2026 is 15 March.
    expect(next('WEEKLY', '00:06:1', 'UTC', '2026-03-10T00:00:00Z')).toBe('2026-03-15T06:00:00.000Z');
    expect(next('MONTHLY', '00:00:28', 'UTC', '2026-02-28T00:00:00Z')).toBe('2026-03-28T00:00:00.000Z');
    expect(next('MONTHLY', '00:00:1', 'UTC', '2026-12-05T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('runs in its own time zone, across daylight saving changes', () => {
    // 14:30 in India (UTC+5:30, no DST) is 09:00 UTC; an hourly run at :00 there is :30 UTC.
    expect(next('DAILY', '30:14', 'Asia/Kolkata', '2026-06-01T00:00:00Z')).toBe('2026-06-01T09:00:00.000Z');
    expect(next('HOURLY', '0', 'Asia/Kolkata', '2026-06-01T00:10:00Z')).toBe('2026-06-01T00:30:00.000Z');
    // 02:00 in Paris: UTC+1 in winter, UTC+2 in summer (the change is on 29 March 2026).
    expect(next('DAILY', '00:02', 'Europe/Paris', '2026-03-27T12:00:00Z')).toBe('2026-03-28T01:00:00.000Z');
    expect(next('DAILY', '00:03', 'Europe/Paris', '2026-03-29T12:00:00Z')).toBe('2026-03-30T01:00:00.000Z');
    // 02:30 does not exist in Paris on 29 March 2026: it runs just after the jump, once.
    expect(next('DAILY', '30:02', 'Europe/Paris', '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:30:00.000Z');
    // New York's 01:30 happens twice on 1 November 2026 (05:30Z and 06:30Z): after the second, the next is 02:30 EST.
    expect(next('HOURLY', '30', 'America/New_York', '2026-11-01T06:30:10Z')).toBe('2026-11-01T07:30:00.000Z');
    expect(next('HOURLY', '30', 'America/New_York', '2026-11-01T05:30:10Z')).toBe('2026-11-01T06:30:00.000Z');
    expect(next('DAILY', '30:01', 'America/New_York', '2026-11-01T06:30:10Z')).toBe('2026-11-02T06:30:00.000Z');
    // New York, the evening before the November change.
    expect(next('DAILY', '00:23', 'America/New_York', '2026-10-31T12:00:00Z')).toBe('2026-11-01T03:00:00.000Z');
  });
});
