import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { isAllocationState } from '../../../core/infrastructure';
import { EntityGoneError } from '../../store/infrastructure';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toPodResponse } from '../../views/infrastructure';

/** updatePod's name and allocation state; the pod's addresses stay as createPod made them. */
export default defineCommand({
  name: 'updatePod',
  description: 'Updates a Pod.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'pod',
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the Pod' }),
    name: cs.string().optional().meta({ description: 'the name of the Pod' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this cluster for allocation of new resources' }),
  }),
  async handle({ params, store, command }) {
    const pod = await store.inventory.getPod(params.id);
    if (!pod) throw new EntityNotFoundError(command, 'id', params.id);
    const zone = await store.inventory.getZone(pod.zoneId);
    const name = params.name ?? pod.name;
    // ConfigurationManagerImpl.editPod -> checkPodAttributes: duplicates (only for a new name), then the state.
    const duplicate = new InvalidParameterError(`A pod with name: ${name} already exists in zone ${zone?.name ?? pod.zoneId}. Please specify a different pod name. `);
    if (name !== pod.name) {
      const others = (await store.inventory.listPodsInZone(pod.zoneId)).filter((p) => p.id !== pod.id);
      if (others.some((p) => p.name.toLowerCase() === name.toLowerCase())) throw duplicate;
    }
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);
    const allocationState = params.allocationstate && isAllocationState(params.allocationstate) ? params.allocationstate : pod.allocationState;
    try {
      const updated = await store.infrastructure.updatePod(pod, { name, allocationState });
      return { kind: 'object', key: 'pod', value: toPodResponse(updated, zone) };
    } catch (err) {
      if (err instanceof EntityGoneError) throw new EntityNotFoundError(command, 'id', params.id);
      if (err instanceof NameTakenError) throw duplicate;
      throw err;
    }
  },
});
