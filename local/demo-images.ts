import { CloudStackClient } from './cloudstack-client';
import { emptyQcow2, minimalIso, startImageServer, type ImageServer } from './image-server';

/** The demo images `npm start` serves and registers: an empty 1 GiB disk and a small ISO. */
const DEMO = [
  { command: 'registerTemplate', file: 'stratus-demo-disk.qcow2', name: 'Stratus demo disk (empty, 1 GiB)', extra: { format: 'QCOW2', ostypeid: undefined } },
  { command: 'registerIso', file: 'stratus-demo.iso', name: 'Stratus demo ISO', extra: { bootable: 'true' } },
] as const;

/**
 * Serve the demo images over HTTP on 127.0.0.1 and register those not registered yet through the
 * API, so every `npm start` exercises the real path: registration, a host's download with progress,
 * the image ready. A persisted data directory keeps what earlier runs registered.
 */
export async function serveDemoImages(o: { port: number; apiUrl: string; credentials: { apiKey: string; secretKey: string }; hypervisor: string }): Promise<{ server: ImageServer; registered: string[] }> {
  const server = await startImageServer({
    port: o.port,
    bytesPerSecond: 512 * 1024, // paced, so the status shows its percentages for a few seconds
    images: { 'stratus-demo-disk.qcow2': emptyQcow2(2 ** 30), 'stratus-demo.iso': minimalIso('STRATUS DEMO') },
  });
  const api = new CloudStackClient(o.apiUrl, o.credentials.apiKey, o.credentials.secretKey);
  const zones = ((await api.ok('listZones')).zone as Array<{ id: string }> | undefined) ?? [];
  const registered: string[] = [];
  if (zones.length === 0) return { server, registered };
  for (const demo of DEMO) {
    const list = demo.command === 'registerIso' ? 'listIsos' : 'listTemplates';
    const existing = await api.ok(list, { [demo.command === 'registerIso' ? 'isofilter' : 'templatefilter']: 'self', name: demo.name });
    if (Number(existing.count ?? 0) > 0) continue;
    const params: Record<string, string> = { name: demo.name, displaytext: demo.name, url: server.url(demo.file), zoneid: '-1', ispublic: 'true', isfeatured: 'true' };
    for (const [k, v] of Object.entries(demo.extra)) if (v !== undefined) params[k] = v;
    if (demo.command === 'registerTemplate') params.hypervisor = o.hypervisor;
    // The hosts come Up with their first heartbeat: a registration before that has no host to download it.
    for (let attempt = 0; ; attempt++) {
      const reply = await api.call(demo.command, params);
      if (reply.status === 200) break;
      if (attempt >= 20) throw new Error(`${demo.command} ${demo.name} answered ${reply.status}: ${JSON.stringify(reply.data)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    registered.push(demo.name);
  }
  return { server, registered };
}
