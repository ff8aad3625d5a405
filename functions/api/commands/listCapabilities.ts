import { z } from 'zod';
import { defineCommand } from '../define-command';

/**
 * What this cloud offers, as ListCapabilitiesCmd answers it (a single `capability` object). The
 * values are Stratus' defaults for the matching global settings; `apilimitinterval`/`apilimitmax`
 * are left out because API throttling is off.
 */
export const CLOUDSTACK_VERSION = '4.22.0.0-stratus';

export const capabilityDefaults = {
  cloudstackversion: CLOUDSTACK_VERSION,
  securitygroupsenabled: false,
  userpublictemplateenabled: true, // allow.public.user.templates
  supportELB: 'false', // a string in ACS too
  projectinviterequired: false,
  allowusercreateprojects: true,
  customdiskofferingminsize: 1, // GB, custom.diskoffering.size.min
  customdiskofferingmaxsize: 1024, // GB, custom.diskoffering.size.max
  regionsecondaryenabled: false,
  kvmsnapshotenabled: false, // volume snapshots of running KVM VMs: not offered
  allowuserviewdestroyedvm: false, // allow.user.view.destroyed.vm
  allowuserexpungerecovervm: false, // allow.user.expunge.recover.vm
  allowuserexpungerecovervolume: true,
  allowuserviewalldomainaccounts: false,
  allowuserforcestopvm: true,
  kubernetesserviceenabled: false,
  kubernetesclusterexperimentalfeaturesenabled: false,
  defaultuipagesize: 20,
  dynamicrolesenabled: false, // fixed roles: rootAdmin, domainAdmin, user
  dynamicscalingenabled: false, // enable.dynamic.scale.vm
  instancesstatsretentiontime: 720, // minutes
  instancesstatsuseronly: false,
  instancesdisksstatsretentionenabled: false,
  instancesdisksstatsretentiontime: 720,
  instanceleaseenabled: false,
  sharedfsvmmincpucount: 2,
  sharedfsvmminramsize: 512,
  snapshotshowchainsize: false,
  additionalconfigenabled: false,
};

export default defineCommand({
  name: 'listCapabilities',
  description: 'Lists capabilities',
  access: ['user', 'domainAdmin', 'rootAdmin'],
  async: false,
  params: z.object({}),
  responseKey: 'capability',
  async handle() {
    return { kind: 'object', key: 'capability', value: capabilityDefaults };
  },
});
