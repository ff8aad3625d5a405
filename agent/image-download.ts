import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { ImageSpec } from '../core/agent-protocol';
import { parseChecksum } from '../core/templates';
import { DriverError } from './drivers/driver';

/** What a downloaded image is: `size` the disk it gives (a QCOW2's virtual size), `physicalSize` its bytes, `checksum` what they hash to. */
export interface ImageFacts {
  size: number;
  physicalSize: number;
  checksum?: string;
}

/** How far a download has come, in whole percent (0 while the length is unknown). */
export type DownloadProgress = (percent: number) => void;

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/**
 * Fetch an image over HTTP(S) and verify it: its checksum when given, QCOW2's header when it claims
 * to be one. With `path`, the bytes land there (written beside it first, renamed once verified, so
 * a failed or partial download never leaves a file a VM could boot from); without, they are
 * counted and dropped (the simulator's host). Failures are DriverErrors naming what went wrong.
 */
export async function fetchImage(image: ImageSpec, path: string | undefined, o: { onProgress?: DownloadProgress; signal?: AbortSignal }): Promise<ImageFacts> {
  const checksum = image.checksum ? parseChecksum(image.checksum) : undefined;
  const hash = createHash(checksum?.algorithm ?? 'sha256');
  let response: Response;
  try {
    response = await fetch(image.url, { signal: o.signal, redirect: 'follow' });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw new DriverError('ResourceUnavailableError', `Failed to download ${image.url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, true);
  }
  if (!response.ok || !response.body) throw new DriverError('ResourceUnavailableError', `Failed to download ${image.url}: HTTP ${response.status} ${response.statusText}`.trim(), false);
  const length = Number(response.headers.get('content-length') ?? 0);
  const partial = path ? `${path}.part` : undefined;
  const out: WriteStream | undefined = partial ? createWriteStream(partial) : undefined;
  let bytes = 0;
  let header = Buffer.alloc(0);
  let reported = -1;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const buffer = Buffer.from(chunk);
      if (header.length < HEADER_BYTES) header = Buffer.concat([header, buffer.subarray(0, HEADER_BYTES - header.length)]);
      hash.update(buffer);
      bytes += buffer.length;
      if (out && !out.write(buffer)) await once(out, 'drain');
      const percent = length > 0 ? Math.min(99, Math.floor((bytes * 100) / length)) : 0;
      if (percent !== reported) o.onProgress?.((reported = percent));
    }
    if (out) {
      out.end();
      await once(out, 'finish');
    }
    if (length > 0 && bytes !== length) throw new DriverError('ResourceUnavailableError', `Failed to download ${image.url}: got ${bytes} of ${length} bytes`, true);
    const digest = hash.digest('hex');
    if (checksum && digest !== checksum.hex) {
      throw new DriverError('InvalidParameterError', `Checksum of ${image.url} does not match: expected ${checksum.hex}, the download has ${digest}`, false);
    }
    const size = image.format === 'QCOW2' ? qcow2VirtualSize(header, image.url) : bytes;
    if (partial && path) await rename(partial, path);
    o.onProgress?.(100);
    // What the bytes were, for every later fetch of the same URL to be checked against.
    return { size, physicalSize: bytes, checksum: checksum ? image.checksum!.trim() : `{SHA-256}${digest}` };
  } catch (err) {
    out?.destroy();
    if (partial) await rm(partial, { force: true });
    throw err;
  }
}

const HEADER_BYTES = 80;

/**
 * A QCOW2 image's virtual size (bytes 24-31 of its header); not a QCOW2: a clear refusal. An image
 * that names a backing file or an external data file is refused too: a ROOT overlay chains through
 * the template, so such a file would let a guest read whatever path it names on the host.
 */
function qcow2VirtualSize(header: Buffer, url: string): number {
  if (header.length < 32 || header.readUInt32BE(0) !== QCOW2_MAGIC) throw new DriverError('InvalidParameterError', `${url} is not a QCOW2 image (no QCOW2 header)`, false);
  if (header.readBigUInt64BE(8) !== 0n) throw new DriverError('InvalidParameterError', `${url} is a QCOW2 image with a backing file: register a standalone image (qemu-img convert -O qcow2)`, false);
  const version = header.readUInt32BE(4);
  if (version >= 3 && header.length >= 80 && (header.readBigUInt64BE(72) & 4n) !== 0n) throw new DriverError('InvalidParameterError', `${url} is a QCOW2 image with an external data file: register a standalone image`, false);
  return Number(header.readBigUInt64BE(24));
}
