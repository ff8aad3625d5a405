import type { AsyncJob } from '../../../core/entities';
import { USER_ERROR_MESSAGE } from '../../../core/errors';
import { toAsyncJobResponse } from '../../../functions/views/asyncJob';

const base: AsyncJob = {
  id: 'j1',
  cmd: 'org.apache.cloudstack.api.command.user.vm.DeployVMCmd',
  workflow: 'deploy-vm',
  accountId: 'a1',
  accountName: 'alice',
  userId: 'u1',
  domainId: 'd1',
  domainPath: 'ROOT/eng',
  instanceType: 'VirtualMachine',
  instanceId: 'vm1',
  status: 2,
  resultCode: 533,
  result: { errorcode: 533, errortext: 'Unable to create a deployment for VM[User|i-2-7-VM]: host h1 has 0 MHz free' },
  steps: [{ name: 'ChooseHost', at: '2026-01-01T00:00:00.000Z' }],
  failedStep: 'ChooseHost',
  failureReason: 'InsufficientCapacityError: ...',
  publicErrorText: 'Unable to create a deployment for VM[User|i-2-7-VM]',
  created: '2026-01-01T00:00:00.000Z',
  completed: '2026-01-01T00:00:01.000Z',
  version: 2,
};

describe('the async job view', () => {
  it('shows the root admin the whole failure', () => {
    const view = toAsyncJobResponse(base, 'full');
    expect(view).toMatchObject({ jobstatus: 2, jobresultcode: 533, jobresult: base.result, failedstep: 'ChooseHost', failurereason: base.failureReason, account: 'alice', domainpath: 'ROOT/eng' });
  });

  it('shows other callers the public text, without hosts or the internal reason', () => {
    const view = toAsyncJobResponse(base, 'restricted');
    expect(view.jobresult).toEqual({ errorcode: 533, errortext: 'Unable to create a deployment for VM[User|i-2-7-VM]' });
    expect(view).not.toHaveProperty('failurereason');
    expect(view).toHaveProperty('failedstep', 'ChooseHost');
  });

  it("falls back to CloudStack's generic text when a failure has no public text", () => {
    const view = toAsyncJobResponse({ ...base, result: { errorcode: 530, errortext: 'boom at line 3' }, publicErrorText: undefined }, 'restricted');
    expect(view.jobresult).toEqual({ errorcode: 530, errortext: USER_ERROR_MESSAGE });
  });

  it('hides admin-only VM fields of a successful result', () => {
    const vm = { id: 'vm1', state: 'Running', instancename: 'i-2-7-VM', hostid: 'h1', hostname: 'kvm1' };
    const view = toAsyncJobResponse({ ...base, status: 1, resultCode: 0, result: { virtualmachine: vm } }, 'restricted');
    expect(view.jobresult).toEqual({ virtualmachine: { id: 'vm1', state: 'Running' } });
  });

  it('has no result while pending', () => {
    const view = toAsyncJobResponse({ ...base, status: 0, resultCode: 0, result: undefined }, 'restricted');
    expect(view).not.toHaveProperty('jobresult');
    expect(view).toMatchObject({ jobstatus: 0, jobresultcode: 0 });
  });
});
