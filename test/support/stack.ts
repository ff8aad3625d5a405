import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudStackClient } from '../../local/cloudstack-client';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** The agents' routine messages would drown the test report; their warnings and errors still show. */
const agentLogger = {
  info: () => undefined,
  warn: (message: string, data?: Record<string, unknown>) => console.warn(message, data ?? ''),
  error: (message: string, data?: Record<string, unknown>) => console.error(message, data ?? ''),
};

export interface TestStack {
  stack: LocalStack;
  admin: CloudStackClient;
  dataDir: string;
  stop(): Promise<void>;
}

/** The whole local stack on free ports, in memory, with quick agent timings, and a signed admin client. */
export async function startTestStack(opts: LocalStackOptions = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-e2e-'));
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    simHosts: 2,
    quiet: true,
    agent: { heartbeatIntervalMs: 1000, pollWaitMs: 2000, progressIntervalMs: 500 },
    // A test that changes a setting acts on it at once; on AWS (and npm start) it reaches every function within 5 s.
    settingsCacheMs: 0,
    logger: agentLogger,
    ...opts,
  });
  const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
  return {
    stack,
    admin,
    dataDir,
    stop: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The ids of the seeded catalogue, read through the API as a client would. */
export async function catalogue(admin: CloudStackClient) {
  const zones = (await admin.ok('listZones')).zone as Array<{ id: string }>;
  // Fixed-size offerings first (tests that take offerings[0] need no details[]); custom ones after, found by name.
  const offerings = ((await admin.ok('listServiceOfferings')).serviceoffering as Array<{ id: string; name: string; cpunumber: number; cpuspeed: number; memory: number; iscustomized?: boolean }>).sort(
    (a, b) => Number(a.iscustomized ?? false) - Number(b.iscustomized ?? false),
  );
  const templates = (await admin.ok('listTemplates', { templatefilter: 'executable' })).template as Array<{ id: string }>;
  return { zoneid: zones[0].id, offerings, templateid: templates[0].id };
}
