import type { Alert } from '../../core/entities';
import { csDate } from './format';

/**
 * listAlerts: AlertResponse's fields (id, type, name, description, sent), where CloudStack puts the
 * alert's subject in `description`. Stratus also shows the body (`content`, which CloudStack keeps
 * in its alert table but does not show: here it carries the evidence an HA decision used) and the
 * zone, pod, cluster and host the alert is about.
 */
export function toAlertResponse(a: Alert): Record<string, unknown> {
  return {
    id: a.id,
    type: a.type,
    name: a.name,
    description: a.subject,
    ...(a.description ? { content: a.description } : {}),
    sent: csDate(a.sent),
    ...(a.zoneId ? { zoneid: a.zoneId } : {}),
    ...(a.podId ? { podid: a.podId } : {}),
    ...(a.clusterId ? { clusterid: a.clusterId } : {}),
    ...(a.hostId ? { hostid: a.hostId } : {}),
  };
}
