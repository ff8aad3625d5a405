import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { MAX_VM_KEY_PAIRS } from '../../../core/naming';
import { vmLabel } from '../../../core/scaling';
import { busyError, finishedJob } from '../../store/jobs';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { recordVmEvent } from '../../vm-events';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { ownerFor, ownerParams } from '../owner';
import { keyPairNames, keyPairsOf } from '../ssh-key-pairs';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'resetSSHKeyForVirtualMachine',
  description: 'Resets the SSH Key for Instance. The Instance is expected to be stopped; its guest receives the new keys at its next start.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  responseName: 'resetSSHKeyforvirtualmachineresponse', // ResetVMSSHKeyCmd's s_name, mixed case as CloudStack spells it
  related: ['createSSHKeyPair', 'registerSSHKeyPair', 'listSSHKeyPairs'],
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the Instance' }),
    keypair: cs.string().optional().meta({ description: 'Name of the SSH key pair used to login to the Instance' }),
    keypairs: cs.list(cs.string()).optional().meta({ description: 'Names of the SSH key pairs to be used to login to the Instance', since: '4.17' }),
    ...ownerParams('Instance'),
  }),
  async handle(ctx) {
    const { params, caller, store, now, command } = ctx;
    const vm = await vmForCaller(store, caller, params.id, command);
    // The keys are the VM owner's unless account + domainid name another (an admin acting for it).
    const owner = params.account !== undefined || params.projectid !== undefined ? await ownerFor(ctx, params) : { accountId: vm.accountId };
    if (vm.state === 'Error' || vm.state === 'Expunging' || vm.state === 'Destroyed') throw new InvalidParameterError('Vm with specified id is not in the right state');
    if (vm.activeJobId) throw busyError(vm, vm.activeJobId);
    if (vm.state !== 'Stopped' && vm.state !== 'Allocated') throw new InvalidParameterError(`Vm ${vmLabel(vm)} should be stopped to do SSH Key reset`);
    const names = keyPairNames(params);
    if (names.length === 0) throw new InvalidParameterError("'keypair' or 'keyparis' must be specified");
    if (names.length > MAX_VM_KEY_PAIRS) throw new InvalidParameterError(`An Instance may be given at most ${MAX_VM_KEY_PAIRS} SSH key pairs; ${names.length} were named`);
    const keyPairs = await keyPairsOf(store, owner.accountId, names, 'Not all specified keyparis exist');

    const at = now.toISOString();
    const updated = { ...vm, keyPairs, lastUpdated: at, version: vm.version + 1 };
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.user.vm.ResetVMSSHKeyCmd',
      eventType: 'VM.RESETSSHKEY',
      caller,
      instanceType: 'VirtualMachine',
      instanceId: vm.id,
      result: { virtualmachine: await toVirtualMachineResponse(updated, createLookups(store), caller.role === 'rootAdmin' ? 'full' : 'restricted') },
      at: now,
    });
    // Held to the version read: a VM started (or changed) meanwhile is not rewritten under it.
    await store.vms.update(vm, { keyPairs, lastUpdated: at }, [], await store.jobs.completedOperations(job));
    await recordVmEvent(store, { type: 'VM.RESETSSHKEY', actor: caller, vm, ok: true, text: `Reset the SSH keys of VM ${vm.name} to ${names.join(', ')}: its guest receives them at its next start`, jobId: job.id }, now).catch(() => undefined);
    return { kind: 'async', jobid: job.id, id: vm.id };
  },
});
