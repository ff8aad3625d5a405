import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchImage } from '../../../agent/image-download';
import { emptyQcow2, minimalIso, startImageServer, type ImageServer } from '../../../local/image-server';

describe('fetchImage over real HTTP', () => {
  let server: ImageServer;
  let dir: string;
  const disk = emptyQcow2(5 * 2 ** 30);
  const iso = minimalIso('X');
  beforeAll(async () => {
    server = await startImageServer({ images: { 'd.qcow2': disk, 'x.iso': iso } });
    dir = mkdtempSync(join(tmpdir(), 'stratus-images-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a verified image under its name, reading a QCOW2 virtual size from its header and reporting progress up to 100', async () => {
    const seen: number[] = [];
    const path = join(dir, 'template-1.qcow2');
    const facts = await fetchImage({ id: '1', url: server.url('d.qcow2'), format: 'QCOW2', checksum: `{SHA-256}${createHash('sha256').update(disk).digest('hex')}` }, path, { onProgress: (p) => seen.push(p) });
    expect(facts).toEqual({ size: 5 * 2 ** 30, physicalSize: disk.length, checksum: `{SHA-256}${createHash('sha256').update(disk).digest('hex')}` });
    expect(readFileSync(path).equals(disk)).toBe(true);
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('keeps no file when the checksum does not match, the URL is missing, or a QCOW2 is not one', async () => {
    const path = join(dir, 'template-2.qcow2');
    await expect(fetchImage({ id: '2', url: server.url('d.qcow2'), format: 'QCOW2', checksum: '0'.repeat(32) }, path, {})).rejects.toMatchObject({ name: 'InvalidParameterError', message: expect.stringContaining('does not match') });
    await expect(fetchImage({ id: '2', url: server.url('nope'), format: 'QCOW2' }, path, {})).rejects.toMatchObject({ name: 'ResourceUnavailableError', message: expect.stringContaining('HTTP 404') });
    await expect(fetchImage({ id: '2', url: server.url('x.iso'), format: 'QCOW2' }, path, {})).rejects.toMatchObject({ message: expect.stringContaining('is not a QCOW2 image') });
    await expect(fetchImage({ id: '2', url: 'http://127.0.0.1:1/none', format: 'RAW' }, path, {})).rejects.toMatchObject({ name: 'ResourceUnavailableError', message: expect.stringContaining('Failed to download') });
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it('refuses a QCOW2 that names a backing file or an external data file: a guest could read the host file it names', async () => {
    const backed = Buffer.from(disk);
    backed.writeBigUInt64BE(512n, 8); // backing_file_offset
    const external = Buffer.from(disk);
    external.writeUInt32BE(3, 4); // version 3
    external.writeBigUInt64BE(4n, 72); // incompatible feature: external data file
    server.put('backed.qcow2', backed);
    server.put('external.qcow2', external);
    await expect(fetchImage({ id: '4', url: server.url('backed.qcow2'), format: 'QCOW2' }, join(dir, 't4.qcow2'), {})).rejects.toMatchObject({ message: expect.stringContaining('with a backing file') });
    await expect(fetchImage({ id: '5', url: server.url('external.qcow2'), format: 'QCOW2' }, join(dir, 't5.qcow2'), {})).rejects.toMatchObject({ message: expect.stringContaining('external data file') });
    expect(existsSync(join(dir, 't4.qcow2'))).toBe(false);
  });

  it('answers the SHA-256 of what it fetched when no checksum was given, and the given one otherwise', async () => {
    const sha = createHash('sha256').update(iso).digest('hex');
    expect((await fetchImage({ id: '6', url: server.url('x.iso'), format: 'ISO' }, undefined, {})).checksum).toBe(`{SHA-256}${sha}`);
    const md5 = createHash('md5').update(iso).digest('hex');
    expect((await fetchImage({ id: '6', url: server.url('x.iso'), format: 'ISO', checksum: md5 }, undefined, {})).checksum).toBe(md5);
  });

  it('counts and drops the bytes when there is nowhere to keep them (the simulator), an ISO being its own size', async () => {
    expect(await fetchImage({ id: '3', url: server.url('x.iso'), format: 'ISO' }, undefined, {})).toMatchObject({ size: iso.length, physicalSize: iso.length });
  });
});
