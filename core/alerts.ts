import type { Alert } from './entities';

/**
 * CloudStack's alert types that Stratus raises (org.apache.cloudstack.alert.AlertService.AlertType:
 * the code listAlerts shows as `type`, and the name it shows as `name`). Codes are CloudStack's, so a
 * client filtering `listAlerts type=7` sees the same alerts as against CloudStack.
 */
export const ALERT_TYPES = {
  /** a host lost its heartbeat, was declared Down, or came back */
  host: { type: 7, name: 'ALERT.COMPUTE.HOST' },
  /** a user VM stopped unexpectedly, was restarted by HA, or could not be */
  userVm: { type: 8, name: 'ALERT.USERVM' },
  /** a primary storage pool a host can no longer reach, or reaches again */
  storage: { type: 12, name: 'ALERT.STORAGE.MISC' },
} as const;

export type AlertKind = keyof typeof ALERT_TYPES;

/** What raising an alert takes; the store gives it its id (derived from `key`) and sent time. */
export interface NewAlert {
  kind: AlertKind;
  /** what makes this alert one alert: raising it again with the same key is a no-op (a re-run of the monitor) */
  key: string;
  subject: string;
  description?: string;
  where: Pick<Alert, 'zoneId' | 'podId' | 'clusterId' | 'hostId'>;
}
