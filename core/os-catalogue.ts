import { stableId } from './ids';

/**
 * The guest OS catalogue behind listOsCategories and listOsTypes: CloudStack's guest_os_category
 * and guest_os tables, as a small built-in list. Ids are derived from names (stableId), so they are
 * the same on every installation and never change: templates, VMs (updateVirtualMachine ostypeid)
 * and hosts (updateHost oscategoryid) store them.
 */

export interface OsCategory {
  id: string;
  name: string;
}

export interface OsType {
  id: string;
  /** the stable key the id is derived from (`debian-12`) */
  key: string;
  description: string;
  categoryId: string;
  /** the guest cannot take vCPUs or memory while it runs (no ACPI CPU/memory hot-add): never scaled live */
  noHotScale?: boolean;
  /**
   * R-SCALE.6: booted with less than 3 GiB, the guest freezes if grown beyond 3 GiB while it runs
   * (the seeds name Linux 64-bit and Windows 7 32-bit)
   */
  liveMemoryCeiling3G?: boolean;
}

/** CloudStack's category meaning "no preference": updateHost with it clears the host's preference. */
export const OS_CATEGORY_NONE = 'None';

const categoryId = (name: string) => stableId('oscategory', name);

export const OS_CATEGORIES: readonly OsCategory[] = ['CentOS', 'Debian', 'RedHat', 'SUSE', 'Ubuntu', 'Unix', 'Windows', 'Other', OS_CATEGORY_NONE].map(
  (name) => ({ id: categoryId(name), name }),
);

type Flags = Pick<OsType, 'noHotScale' | 'liveMemoryCeiling3G'>;
const LINUX_64: Flags = { liveMemoryCeiling3G: true }; // every Linux type here is a 64-bit distribution
// DOS has no ACPI, and an unknown 32-bit guest cannot be assumed to hot-add CPUs or memory.
const NO_HOT_SCALE: Flags = { noHotScale: true };

const TYPES: ReadonlyArray<[key: string, description: string, category: string, flags?: Flags]> = [
  ['centos-7', 'CentOS 7', 'CentOS', LINUX_64],
  ['centos-stream-9', 'CentOS Stream 9', 'CentOS', LINUX_64],
  ['debian-11', 'Debian GNU/Linux 11 (64-bit)', 'Debian', LINUX_64],
  ['debian-12', 'Debian GNU/Linux 12 (64-bit)', 'Debian', LINUX_64], // the seeded template's (functions/bootstrap/seed.ts)
  ['rhel-8', 'Red Hat Enterprise Linux 8', 'RedHat', LINUX_64],
  ['rhel-9', 'Red Hat Enterprise Linux 9', 'RedHat', LINUX_64],
  ['sles-15', 'SUSE Linux Enterprise Server 15 (64-bit)', 'SUSE', LINUX_64],
  ['ubuntu-22.04', 'Ubuntu 22.04 LTS', 'Ubuntu', LINUX_64],
  ['ubuntu-24.04', 'Ubuntu 24.04 LTS', 'Ubuntu', LINUX_64],
  ['freebsd-14', 'FreeBSD 14 (64-bit)', 'Unix'],
  ['windows-server-2019', 'Windows Server 2019 (64-bit)', 'Windows'],
  ['windows-server-2022', 'Windows Server 2022 (64-bit)', 'Windows'],
  ['windows-11', 'Windows 11 (64-bit)', 'Windows'],
  ['windows-7-32', 'Windows 7 (32-bit)', 'Windows', { liveMemoryCeiling3G: true }],
  ['other-linux-64', 'Other Linux (64-bit)', 'Other', LINUX_64],
  ['other-64', 'Other (64-bit)', 'Other'],
  ['other-32', 'Other (32-bit)', 'Other', NO_HOT_SCALE],
  ['dos', 'DOS', 'Other', NO_HOT_SCALE],
];

export const OS_TYPES: readonly OsType[] = TYPES.map(([key, description, category, flags]) => ({
  id: stableId('ostype', key),
  key,
  description,
  categoryId: categoryId(category),
  ...flags,
}));

const categoriesById = new Map(OS_CATEGORIES.map((c) => [c.id, c]));
const typesById = new Map(OS_TYPES.map((t) => [t.id, t]));

export const osCategoryById = (id: string): OsCategory | undefined => categoriesById.get(id);
export const osTypeById = (id: string): OsType | undefined => typesById.get(id);
