import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { attachVolume, volumeForCaller } from '../volume-access';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'attachVolume',
  description: 'Attaches a disk volume to an Instance.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'volume',
  related: ['detachVolume', 'listVolumes', 'createVolume'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the disk volume' }),
    virtualmachineid: cs.uuid().meta({ description: '\tthe ID of the Instance' }),
    deviceid: cs.long().optional().meta({ description: 'The ID of the device to map the volume to the guest OS. If no deviceID is informed, the next available deviceID will be chosen. Use 0 when volume needs to be attached as ROOT.' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const [volume, vm] = await Promise.all([volumeForCaller(store, caller, params.id, command), vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid')]);
    return attachVolume({ store, caller, jobs, now, command }, volume, vm, params.deviceid);
  },
});
