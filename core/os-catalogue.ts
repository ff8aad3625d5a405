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
}

/** CloudStack's category meaning "no preference": updateHost with it clears the host's preference. */
export const OS_CATEGORY_NONE = 'None';

const categoryId = (name: string) => stableId('oscategory', name);

export const OS_CATEGORIES: readonly OsCategory[] = ['CentOS', 'Debian', 'RedHat', 'SUSE', 'Ubuntu', 'Unix', 'Windows', 'Other', OS_CATEGORY_NONE].map(
  (name) => ({ id: categoryId(name), name }),
);

const TYPES: ReadonlyArray<[key: string, description: string, category: string]> = [
  ['centos-7', 'CentOS 7', 'CentOS'],
  ['centos-stream-9', 'CentOS Stream 9', 'CentOS'],
  ['debian-11', 'Debian GNU/Linux 11 (64-bit)', 'Debian'],
  ['debian-12', 'Debian GNU/Linux 12 (64-bit)', 'Debian'], // the seeded template's (functions/bootstrap/seed.ts)
  ['rhel-8', 'Red Hat Enterprise Linux 8', 'RedHat'],
  ['rhel-9', 'Red Hat Enterprise Linux 9', 'RedHat'],
  ['sles-15', 'SUSE Linux Enterprise Server 15 (64-bit)', 'SUSE'],
  ['ubuntu-22.04', 'Ubuntu 22.04 LTS', 'Ubuntu'],
  ['ubuntu-24.04', 'Ubuntu 24.04 LTS', 'Ubuntu'],
  ['freebsd-14', 'FreeBSD 14 (64-bit)', 'Unix'],
  ['windows-server-2019', 'Windows Server 2019 (64-bit)', 'Windows'],
  ['windows-server-2022', 'Windows Server 2022 (64-bit)', 'Windows'],
  ['windows-11', 'Windows 11 (64-bit)', 'Windows'],
  ['other-linux-64', 'Other Linux (64-bit)', 'Other'],
  ['other-64', 'Other (64-bit)', 'Other'],
];

export const OS_TYPES: readonly OsType[] = TYPES.map(([key, description, category]) => ({
  id: stableId('ostype', key),
  key,
  description,
  categoryId: categoryId(category),
}));

const categoriesById = new Map(OS_CATEGORIES.map((c) => [c.id, c]));
const typesById = new Map(OS_TYPES.map((t) => [t.id, t]));

export const osCategoryById = (id: string): OsCategory | undefined => categoriesById.get(id);
export const osTypeById = (id: string): OsType | undefined => typesById.get(id);
