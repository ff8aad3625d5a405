import { ALERT_TYPES, type NewAlert } from '../../core/alerts';
import type { Alert } from '../../core/entities';
import { stableId } from '../../core/ids';
import { Repository } from './repository';

/**
 * Administrator alerts (CloudStack's alert table, listAlerts): written once each, listed by the
 * kind's index in the order they were sent. An alert's id derives from what it is about (`key`), so
 * a background job that runs again after a partial failure raises it once.
 */
export class AlertsRepository extends Repository {
  get = (id: string) => this.getEntity<Alert>('ALERT', id);
  /** Raise the alert unless one with the same key was raised before; returns the alert and whether it is new. */
  async raise(a: NewAlert, now = new Date()): Promise<{ alert: Alert; raised: boolean }> {
    const { type, name } = ALERT_TYPES[a.kind];
    const alert: Alert = {
      id: stableId('alert', a.key),
      type,
      name,
      subject: a.subject,
      ...(a.description ? { description: a.description } : {}),
      ...Object.fromEntries(Object.entries(a.where).filter(([, v]) => v !== undefined)),
      sent: now.toISOString(),
      archived: false,
    };
    const raised = await this.putEntity('ALERT', alert);
    return { alert, raised };
  }
}
