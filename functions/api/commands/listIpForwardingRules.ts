import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';

/**
 * Stratus has no public IP addresses and so no static NAT (IP forwarding) rules yet: the list is
 * always empty (`{}`). It exists because clients call it as part of listing VMs (libcloud's list_nodes).
 */
export default defineCommand({
  name: 'listIpForwardingRules',
  description: 'List the IP forwarding rules. Stratus has no public IP addresses yet, so the list is always empty.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'ipforwardingrule',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'Lists rule with the specified ID.' }),
    ipaddressid: cs.uuid().optional().meta({ description: 'list the rule belonging to this public IP address' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'Lists all rules applied to the specified VM.' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project' }),
    listall: cs.boolean().optional().meta({ description: "If set to false, list only resources belonging to the command's caller" }),
    ...listParams,
  }),
  async handle({ params }) {
    const none: Array<{ id: string; name?: string }> = [];
    return listOf('ipforwardingrule', none, params, () => [], (rule) => rule);
  },
});
