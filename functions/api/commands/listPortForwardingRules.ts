import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';

/**
 * Stratus has no public IP addresses and so no port forwarding rules yet: the list is always empty
 * (`{}`). It exists because clients call it as part of listing VMs (libcloud's list_nodes).
 */
export default defineCommand({
  name: 'listPortForwardingRules',
  description: 'Lists all port forwarding rules for an IP address. Stratus has no public IP addresses yet, so the list is always empty.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'portforwardingrule',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'Lists rule with the specified ID.' }),
    ipaddressid: cs.uuid().optional().meta({ description: 'the ID of IP address of the port forwarding services' }),
    networkid: cs.uuid().optional().meta({ description: 'list port forwarding rules for certain network', since: '4.3' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project' }),
    listall: cs.boolean().optional().meta({ description: "If set to false, list only resources belonging to the command's caller" }),
    ...listParams,
  }),
  async handle({ params }) {
    const none: Array<{ id: string; name?: string }> = [];
    return listOf('portforwardingrule', none, params, () => [], (rule) => rule);
  },
});
