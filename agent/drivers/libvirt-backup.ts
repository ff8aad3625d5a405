import { escapeXml } from './libvirt-xml';

/**
 * The pure half of the libvirt driver's backups (the nas provider): the push-mode backup XML and
 * what `virsh domjobinfo` says of a job. Kept apart so both are unit-tested without a host.
 */

/** `virsh backup-begin`'s XML: push mode, each listed disk (by target device) into its QCOW2 file; disks not listed stay out. */
export function pushBackupXml(disks: ReadonlyArray<{ target: string; file: string }>): string {
  const lines = disks.map((d) => `    <disk name='${escapeXml(d.target)}' backup='yes' type='file'>\n      <driver type='qcow2'/>\n      <target file='${escapeXml(d.file)}'/>\n    </disk>`);
  return `<domainbackup mode='push'>\n  <disks>\n${lines.join('\n')}\n  </disks>\n</domainbackup>\n`;
}

export interface DomainJob {
  /** None (no job), Unbounded or Bounded (running), Completed, Failed, Cancelled */
  type: string;
  operation?: string;
  /** how far it has come, when virsh gave processed and total */
  percent?: number;
  error?: string;
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

function bytes(value: string | undefined): number | undefined {
  const m = value ? /^([\d.]+)\s*(B|KiB|MiB|GiB|TiB)$/.exec(value.trim()) : null;
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

/** `virsh domjobinfo` (with or without --completed) as a job: its type, operation, percent and error. */
export function parseDomJobInfo(text: string): DomainJob {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (m) fields.set(m[1].trim().toLowerCase(), m[2].trim());
  }
  // A backup job reports its disks' bytes as `File processed/total` (VIR_DOMAIN_JOB_DISK_*); other jobs as `Data`.
  const processed = bytes(fields.get('data processed') ?? fields.get('file processed'));
  const total = bytes(fields.get('data total') ?? fields.get('file total'));
  const percent = processed !== undefined && total ? Math.min(100, Math.floor((processed * 100) / total)) : undefined;
  return {
    type: fields.get('job type') ?? 'None',
    ...(fields.get('operation') ? { operation: fields.get('operation') } : {}),
    ...(percent !== undefined ? { percent } : {}),
    ...(fields.get('error message') ? { error: fields.get('error message') } : {}),
  };
}

export const jobRunning = (job: DomainJob): boolean => job.type === 'Unbounded' || job.type === 'Bounded';
