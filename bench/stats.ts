import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** Small summary statistics over latency samples (milliseconds). */
export type Summary = {
  n: number;
  min: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
};

/** Nearest-rank percentile of already sorted samples: p99 of 300 samples is the 297th. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { n: sorted.length, min: sorted[0], p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, max: sorted[sorted.length - 1] };
}

export function median(samples: readonly number[]): number {
  return percentile([...samples].sort((a, b) => a - b), 50);
}

/** Rounds every number in a summary, for the JSON file and the table. */
export function rounded<T extends { [K in keyof T]: number }>(s: T, digits = 2): T {
  const f = 10 ** digits;
  return Object.fromEntries(Object.entries(s as Record<string, number>).map(([k, v]) => [k, Math.round(v * f) / f])) as T;
}

/** Time one async call in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** The commit a run measured, `+dirty` when the work tree had changes. */
export function gitCommit(root: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** What every result file says of its run: the machine, when, and the commit measured. */
export function runFacts(root: string) {
  return {
    machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version, loadavg: loadavg() },
    date: new Date().toISOString(),
    commit: gitCommit(root),
  };
}

/** Write bench/results/<name>.json. */
export function writeResult(root: string, name: string, result: unknown): void {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
}
