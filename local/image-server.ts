import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 that serves images to register (registerTemplate, registerIso), so the
 * local stack exercises the real download path: hosts fetch from a URL, with Content-Length for
 * progress. `bytesPerSecond` paces the body so a download takes long enough to watch its status.
 */
export interface ImageServer {
  url(name: string): string;
  /** Serve `bytes` at /<name> from now on. */
  put(name: string, bytes: Buffer): void;
  close(): Promise<void>;
}

export async function startImageServer(o: { port?: number; bytesPerSecond?: number; images?: Record<string, Buffer> } = {}): Promise<ImageServer> {
  const images = new Map(Object.entries(o.images ?? {}));
  const server: Server = createServer((req, res) => {
    const body = images.get(decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]));
    if (!body || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(body ? 405 : 404, { 'content-type': 'text/plain' }).end(body ? 'Method not allowed' : 'Not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (req.method === 'HEAD') return void res.end();
    if (!o.bytesPerSecond) return void res.end(body);
    // Paced: a chunk every 50 ms.
    const chunk = Math.max(1, Math.floor(o.bytesPerSecond / 20));
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return void clearInterval(timer);
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, 50);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    put: (name, bytes) => void images.set(name, bytes),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CLUSTER = 0x10000; // 64 KiB clusters

/**
 * An empty QCOW2 (version 2) disk of `virtualSize` bytes, valid for qemu: header, L1 table, refcount
 * table and one refcount block, four clusters in all. What `qemu-img create -f qcow2` makes, by hand,
 * because the machine that runs the demo may have no qemu-img.
 */
export function emptyQcow2(virtualSize: number): Buffer {
  const image = Buffer.alloc(4 * CLUSTER);
  const l2Span = CLUSTER * (CLUSTER / 8); // bytes one L2 table maps
  image.writeUInt32BE(0x514649fb, 0); // "QFI\xfb"
  image.writeUInt32BE(2, 4); // version
  image.writeUInt32BE(16, 20); // cluster_bits
  image.writeBigUInt64BE(BigInt(virtualSize), 24);
  image.writeUInt32BE(Math.ceil(virtualSize / l2Span), 36); // l1_size
  image.writeBigUInt64BE(BigInt(CLUSTER), 40); // l1_table_offset: cluster 1 (all zero: nothing allocated)
  image.writeBigUInt64BE(BigInt(2 * CLUSTER), 48); // refcount_table_offset: cluster 2
  image.writeUInt32BE(1, 56); // refcount_table_clusters
  image.writeBigUInt64BE(BigInt(3 * CLUSTER), 2 * CLUSTER); // the refcount block: cluster 3
  for (let c = 0; c < 4; c++) image.writeUInt16BE(1, 3 * CLUSTER + 2 * c); // each of the four clusters used once
  return image;
}

/** A minimal ISO 9660 volume (a primary volume descriptor named `label`, and the set terminator). */
export function minimalIso(label: string): Buffer {
  const SECTOR = 2048;
  const iso = Buffer.alloc(18 * SECTOR);
  const pvd = 16 * SECTOR;
  iso.writeUInt8(1, pvd);
  iso.write('CD001', pvd + 1, 'ascii');
  iso.writeUInt8(1, pvd + 6);
  iso.write(label.toUpperCase().slice(0, 32).padEnd(32, ' '), pvd + 40, 'ascii');
  iso.writeUInt32LE(18, pvd + 80); // volume space size (both-endian)
  iso.writeUInt32BE(18, pvd + 84);
  iso.writeUInt16LE(SECTOR, pvd + 128);
  iso.writeUInt16BE(SECTOR, pvd + 130);
  const end = 17 * SECTOR;
  iso.writeUInt8(255, end);
  iso.write('CD001', end + 1, 'ascii');
  iso.writeUInt8(1, end + 6);
  return iso;
}
