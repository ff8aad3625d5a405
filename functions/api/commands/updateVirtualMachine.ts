import { z } from 'zod';
import type { Vm } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { osTypeById } from '../../../core/os-catalogue';
import { checkHostName } from '../../../core/naming';
import { cs, mergeMap } from '../params';
import { defineCommand } from '../define-command';
import { checkUserData } from '../user-data';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { requireOperable, vmForCaller } from '../vm-access';
import { recordVmEvent } from '../../vm-events';
import type { Store } from '../../store';

export default defineCommand({
  name: 'updateVirtualMachine',
  description: 'Updates properties of a virtual machine. The VM has to be stopped and restarted for the new properties to take effect. UpdateVirtualMachine does not first check whether the VM is stopped. Therefore, stop the VM manually before issuing this call.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    displayname: cs.string().optional().meta({ description: 'user generated name' }),
    name: cs.string().optional().meta({ description: 'new host name of the vm. The VM has to be stopped/started for this update to take affect', since: '4.4' }),
    group: cs.string().optional().meta({ description: 'group of the virtual machine' }),
    ostypeid: cs.uuid().optional().meta({ description: 'the ID of the OS type that best represents this VM.' }),
    haenable: cs.boolean().optional().meta({ description: 'true if high-availability is enabled for the virtual machine, false otherwise' }),
    details: cs.map().optional().meta({ description: 'Details in key/value pairs. \'extraconfig\' is not allowed to be passed in details.', since: '4.12' }),
    cleanupdetails: cs.boolean().optional().meta({ description: 'optional boolean field, which indicates if details should be cleaned up or not (if set to true, details removed for this resource, details field ignored; if false or not set, no action)' }),
    isdynamicallyscalable: cs.boolean().optional().meta({ description: 'true if VM contains XS/VMWare tools inorder to support dynamic scaling of VM cpu/memory' }),
    userdata: cs.string(1048576).optional().meta({
      description: 'an optional binary data that can be sent to the Instance, base64-encoded: up to 2 KB in a GET request and 32 KB in a POST. The guest reads it from its config drive at its next start.',
    }),
    displayvm: cs.boolean().optional().meta({ description: 'an optional field, whether to the display the vm to the end user or not (only true is supported)' }),
  }),
  refused: {
    userdataid: 'the user data registry is not supported: give userdata',
    userdatadetails: 'the user data registry is not supported: give userdata',
    customid: 'Instance ids are assigned by Stratus',
    instancename: 'instance names are assigned by Stratus',
    extraconfig: 'extra hypervisor configuration is not supported',
    securitygroupids: 'security groups are not supported',
    securitygroupnames: 'security groups are not supported',
    dhcpoptionsnetworklist: 'extra DHCP options are not supported',
    deleteprotection: 'delete protection is not supported yet',
    leaseduration: 'Instance leases are not supported',
    leaseexpiryaction: 'Instance leases are not supported',
  },
  async handle({ params, caller, store, command, now, httpMethod }) {
    if (params.displayvm === false) throw new InvalidParameterError('Parameter displayvm=false is not supported: every Instance is displayed to its owner');
    const userData = params.userdata === undefined ? undefined : checkUserData(params.userdata, httpMethod ?? 'GET');
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Running', 'Stopped', 'Allocated', 'Error'], 'update');
    const stopped = vm.state === 'Stopped' || vm.state === 'Allocated';
    const lookups = createLookups(store);

    // What the hypervisor is configured from changes only while the VM is off (OP-17, §2.3); a start applies it.
    const offline = (['details', 'cleanupdetails', 'ostypeid', 'name', 'isdynamicallyscalable'] as const).filter((p) => params[p] !== undefined);
    if (offline.length && !stopped)
      throw new InvalidParameterError(`Unable to update ${offline.join(', ')} of VM ${vm.name} (${vm.id}): the VM must be Stopped; it is ${vm.state}`);
    if (params.name !== undefined) checkHostName(params.name);
    if (params.ostypeid !== undefined && !osTypeById(params.ostypeid)) throw new EntityNotFoundError(command, 'ostypeid', params.ostypeid);
    if (params.isdynamicallyscalable === true) await requireDynamicScaling(store, vm);

    const set: Partial<Vm> = { lastUpdated: now.toISOString() };
    if (params.displayname !== undefined) set.displayName = params.displayname;
    if (params.name !== undefined) set.name = params.name;
    if (params.group !== undefined) set.group = params.group;
    if (params.haenable !== undefined) set.haEnable = params.haenable;
    if (params.ostypeid !== undefined) set.osTypeId = params.ostypeid;
    if (params.isdynamicallyscalable !== undefined) set.isDynamicallyScalable = params.isdynamicallyscalable;
    // Kept now; the guest finds it on its config drive from its next start.
    if (userData !== undefined) set.userData = userData;
    if (params.details !== undefined || params.cleanupdetails === true) {
      const hidden = caller.role === 'rootAdmin' ? new Set<string>() : await lookups.hiddenDetails();
      const given = params.cleanupdetails === true ? {} : mergeMap(params.details);
      for (const key of Object.keys(given)) {
        if (key === 'extraconfig') throw new InvalidParameterError("'extraconfig' should not be included in details as key");
        if (hidden.has(key)) throw new InvalidParameterError(`You're not allowed to add or edit the restricted setting: ${key}`);
      }
      // The given details replace the VM's; the restricted ones a user cannot see are kept as they were.
      const kept = Object.fromEntries(Object.entries(vm.details ?? {}).filter(([k]) => hidden.has(k)));
      set.details = { ...kept, ...given };
    }
    // A placed VM whose HA changes changes its host's fence list: the HA monitor looks at that host.
    const fenceListChanges = set.haEnable !== undefined && set.haEnable !== vm.haEnable && vm.hostId;
    await store.vms.update(vm, set, [], fenceListChanges && vm.hostId ? [store.ha.attentionOperation(vm.hostId, now.toISOString())] : []);
    const updated: Vm = { ...vm, ...set, version: vm.version + 1 };
    const changed = Object.keys(set).filter((k) => k !== 'lastUpdated');
    await recordVmEvent(store, { type: 'VM.UPDATE', actor: caller, vm: updated, ok: true, text: `Successfully completed updating VM ${updated.name} (${vm.id}): ${changed.join(', ') || 'nothing changed'}` });
    return { kind: 'object', key: 'virtualmachine', value: await toVirtualMachineResponse(updated, lookups, caller.role === 'rootAdmin' ? 'full' : 'restricted') };
  },
});

/**
 * A VM may be marked dynamically scalable only when it can be (UserVmManagerImpl.updateVirtualMachine,
 * OP-15): its template has the tools, its offering allows it and enable.dynamic.scale.vm is on for
 * its zone. Clearing the flag is always allowed.
 */
async function requireDynamicScaling(store: Store, vm: Vm): Promise<void> {
  const [template, offering, enabled] = await Promise.all([
    store.inventory.getTemplate(vm.templateId),
    store.inventory.getServiceOffering(vm.serviceOfferingId),
    store.settings.getBoolean('enable.dynamic.scale.vm', { zoneId: vm.zoneId }),
  ]);
  if (!template?.isDynamicallyScalable) throw new InvalidParameterError('Dynamic Scaling cannot be enabled for the VM since its template does not have dynamic scaling enabled');
  if (!offering?.dynamicScalingEnabled) throw new InvalidParameterError('Dynamic Scaling cannot be enabled for the VM since its service offering does not have dynamic scaling enabled');
  if (!enabled) throw new InvalidParameterError('Dynamic Scaling cannot be enabled for the VM since corresponding global setting is set to false');
}
