import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toAlertResponse } from '../../views/alert';

/**
 * ListAlertsCmd as ManagementServerImpl.searchForAlerts answers it: alerts not archived, newest
 * first; `type` is the alert type code, `name` its name (ALERT.COMPUTE.HOST), `keyword` a substring
 * of the subject. An id that names no alert is refused as CloudStack's UUID parameters are.
 */
export default defineCommand({
  name: 'listAlerts',
  description: 'Lists all alerts.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'alert',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'The ID of the alert' }),
    type: cs.string().optional().meta({ description: 'List by alert type' }),
    name: cs.string().optional().meta({ description: 'List by alert name', since: '4.3' }),
    ...listParams,
  }),
  async handle({ params, store, command }) {
    if (params.id !== undefined && !(await store.alerts.get(params.id))) throw new EntityNotFoundError(command, 'id', params.id);
    const alerts = (await store.alerts.listAll())
      .filter((a) => !a.archived && (params.type === undefined || String(a.type) === params.type.trim()))
      .reverse();
    return listOf('alert', alerts, params, (a) => [a.subject], toAlertResponse);
  },
});
