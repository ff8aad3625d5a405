import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudStackClient } from '../local/cloudstack-client';
import { summarize, timed, type Summary } from './stats';

/**
 * Read latency: a signed listVirtualMachines page through the whole HTTP front (signature check,
 * handler, DynamoDB reads, view), against the floor under it: one raw GetItem round trip to the
 * same DynamoDB Local, by the same SDK the handlers use. Requests are sequential, after a short
 * warm-up that is not counted.
 */
const WARM_UP = 10;

export async function benchListPage(client: CloudStackClient, requests: number, pageSize: number): Promise<Summary & { itemsPerPage: number }> {
  const call = () => client.ok('listVirtualMachines', { page: 1, pagesize: pageSize });
  for (let i = 0; i < WARM_UP; i++) await call();
  const samples: number[] = [];
  let itemsPerPage = 0;
  for (let i = 0; i < requests; i++) {
    const { ms, value } = await timed(call);
    itemsPerPage = ((value.virtualmachine ?? []) as unknown[]).length;
    samples.push(ms);
  }
  if (itemsPerPage !== pageSize) throw new Error(`listVirtualMachines answered ${itemsPerPage} VMs on a page of ${pageSize}`);
  return { ...summarize(samples), itemsPerPage };
}

export async function benchGetItem(endpoint: string, table: string, vmId: string, requests: number): Promise<Summary> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const key = { pk: `VM#${vmId}`, sk: 'VM' };
  const get = async () => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: key }));
    if (!out.Item) throw new Error(`GetItem found no item at ${JSON.stringify(key)}`);
  };
  try {
    for (let i = 0; i < WARM_UP; i++) await get();
    const samples: number[] = [];
    for (let i = 0; i < requests; i++) samples.push((await timed(get)).ms);
    return summarize(samples);
  } finally {
    doc.destroy();
  }
}
