import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { Conditions } from '../../store/listing';
import type { Alert } from '../../../core/entities';
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
    const where = new Conditions().or(
      (c) => c.absent('archived'),
      (c) => c.eq('archived', false),
    );
    if (params.type !== undefined) {
      const type = params.type.trim();
      if (/^\d+$/.test(type)) where.eq('type', Number(type));
      else where.in('id', []); // no alert has a type that is not a code
    }
    where.eq('name', params.name).contains('text', params.keyword?.toLowerCase());
    return pageOf<Alert>(store, 'alert', { ...catalogueSource('ALERT', params.id), descending: true, filter: where.build() }, params, toAlertResponse);
  },
});
