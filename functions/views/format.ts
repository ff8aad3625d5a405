/** CloudStack's date format, yyyy-MM-dd'T'HH:mm:ssZ (e.g. 2021-10-04T09:24:38+0000). */
export function csDate(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** Views differ by who asks: admin-only fields (instance name, host) are left out of `restricted`. */
export type View = 'restricted' | 'full';
