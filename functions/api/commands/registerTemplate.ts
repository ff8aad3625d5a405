import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { TEMPLATE_FORMATS } from '../../../core/templates';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { imageParams, registerImage } from '../image-registration';

const HYPERVISORS = ['KVM', 'Simulator'] as const;

export default defineCommand({
  name: 'registerTemplate',
  description: 'Registers an existing template into the CloudStack cloud.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'template',
  related: ['listTemplates', 'deleteTemplate', 'updateTemplate'],
  params: z.object({
    ...imageParams,
    format: cs.string(40).meta({ description: 'the format for the template: QCOW2 or RAW on KVM' }),
    hypervisor: cs.string(40).meta({ description: 'the target hypervisor for the template: KVM (or Simulator)' }),
    zoneids: cs.list(cs.string(40)).optional().meta({ description: 'a list of zone IDs where the template will be hosted; one zone, or -1 for every zone' }),
    requireshvm: cs.boolean().optional().meta({ description: 'true if this template requires HVM; always so on KVM' }),
    sshkeyenabled: cs.boolean().optional().meta({ description: 'true if the template supports the sshkey upload feature (not supported yet)' }),
    details: cs.map().optional().meta({ description: 'Template details in key/value pairs (not supported)' }),
    templatetag: cs.string().optional().meta({ description: 'the tag for this template (not supported)' }),
    isrouting: cs.boolean().optional().meta({ description: 'true if the template type is routing i.e., if template is used to deploy router (not supported)' }),
    deployasis: cs.boolean().optional().meta({ description: 'VMware only (not supported)' }),
    templatetype: cs.string().optional().meta({ description: 'the type of the template (not supported: every registered template is USER)' }),
  }),
  handle({ params, caller, store, jobs, now, command }) {
    const format = TEMPLATE_FORMATS.find((f) => f === params.format.toUpperCase());
    if (!format) throw new InvalidParameterError(`Image format ${params.format} is not supported: KVM hosts boot ${TEMPLATE_FORMATS.join(' or ')} templates (register ISOs with registerIso)`);
    const hypervisor = HYPERVISORS.find((h) => h.toLowerCase() === params.hypervisor.toLowerCase());
    if (!hypervisor) throw new InvalidParameterError(`Hypervisor ${params.hypervisor} is not supported: Stratus runs ${HYPERVISORS.join(' and ')} hosts`);
    if (params.requireshvm === false) throw new InvalidParameterError('Parameter requireshvm=false is not supported: every KVM guest runs with hardware virtualisation');
    // zoneids: one zone as zoneid; several but not all cannot be downloaded once and shown per zone yet.
    if (params.zoneids && params.zoneid) throw new InvalidParameterError('Parameters zoneid and zoneids cannot both be given');
    if (params.zoneids && params.zoneids.length > 1) throw new InvalidParameterError('Registering a template in several zones is not supported: give one zone, or zoneid=-1 for every zone');
    const zoneid = params.zoneid ?? params.zoneids?.[0];
    return registerImage(
      { params: { ...params, zoneid }, caller, store, jobs, now, command },
      {
        kind: 'template',
        format,
        hypervisor,
        refused: {
          sshkeyenabled: 'SSH key pairs are not supported yet',
          details: 'template details are not supported',
          templatetag: 'template tags are not supported',
          isrouting: 'routing templates are for system VMs, which Stratus does not run',
          deployasis: 'deploy-as-is is VMware only',
          templatetype: 'every registered template is a USER template',
        },
      },
    );
  },
});
