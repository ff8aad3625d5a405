import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';

/**
 * Stratus has no public IP addresses yet (guest NICs sit on shared networks), so the list is always
 * empty: `{}`. It exists because clients call it as part of listing VMs (libcloud's list_nodes).
 */
export default defineCommand({
  name: 'listPublicIpAddresses',
  description: 'Lists all public IP addresses. Stratus allocates no public IP addresses yet, so the list is always empty.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'publicipaddress',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'lists IP address by ID' }),
    ipaddress: cs.string().optional().meta({ description: 'lists the specified IP address' }),
    zoneid: cs.uuid().optional().meta({ description: 'lists all public IP addresses by zone ID' }),
    associatednetworkid: cs.uuid().optional().meta({ description: 'lists all public IP addresses associated to the network specified' }),
    allocatedonly: cs.boolean().optional().meta({ description: 'limits search results to allocated public IP addresses' }),
    forvirtualnetwork: cs.boolean().optional().meta({ description: 'the virtual network for the IP address' }),
    isstaticnat: cs.boolean().optional().meta({ description: 'list only static NAT IP addresses' }),
    issourcenat: cs.boolean().optional().meta({ description: 'list only source NAT IP addresses' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project' }),
    listall: cs.boolean().optional().meta({ description: "If set to false, list only resources belonging to the command's caller" }),
    ...listParams,
  }),
  async handle({ params }) {
    const none: Array<{ id: string; name?: string }> = [];
    return listOf('publicipaddress', none, params, () => [], (ip) => ip);
  },
});
