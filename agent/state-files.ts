import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What the agent keeps on disk between runs: its credentials (`--state-file`) and, beside them, the
 * control plane's last standing orders, so an agent restarted while cut off still fences.
 */

export const CredentialsSchema = z.object({ hostId: z.string().min(1), secret: z.string().min(1) });

/** The standing orders that outlive a heartbeat: HA domains, the fence interval, and the last contact (epoch ms). */
export const FencingStateSchema = z.object({
  haDomains: z.array(z.string()),
  fenceAfterMs: z.number().int().positive().optional(),
  lastContactAt: z.number().optional(),
});
export type FencingState = z.infer<typeof FencingStateSchema>;

export function fencingFileFor(credentialsFile: string): string {
  return `${credentialsFile}.fencing.json`;
}

/** A JSON file checked against its schema; undefined when it does not exist. */
export async function readJson<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S> | undefined> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : schema.parse(JSON.parse(text));
}

/** Written aside and renamed, readable by the owner only: a crash mid-write never leaves a torn file. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(value), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
