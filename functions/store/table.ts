/**
 * The single table's shape, shared by CDK (cdk/stack.ts) and the local runtime (local/dynamodb.ts)
 * so both create the same thing.
 *
 * - pk/sk: the item (`VM#<id>`/`VM`), or a member of a small collection (`TASK#<hostId>`/`TASK#<taskId>`).
 * - gsi1 (gsi1pk/gsi1sk): every item of a kind, in creation order: in shards for the kinds every
 *   request writes (`VM#<shard>`, `HOST#<shard>`), one partition for the catalogue (`ZONE`, `OFFERING`;
 *   domains in path order).
 * - gsi2 (gsi2pk/gsi2sk): a kind within a scope (`VM#ACCOUNT#<id>`, `HOST#ZONE#<id>#<shard>`, `POD#ZONE#<id>`).
 * - gsi3 (gsi3pk/gsi3sk): a second scope: an owned kind within its domain (`VM#DOMAIN#<id>`,
 *   `USER#DOMAIN#<id>`), a pod's clusters (`CLUSTER#POD#<id>`), hosts by
 *   their last heartbeat (`HOST#BEAT#<shard>`), what the HA monitor range-queries for late hosts.
 * - gsi4 (gsi4pk/gsi4sk): a third: VMs by the host holding them (`VM#HOST#<id>`), jobs by the
 *   resource they act on (`JOB#INSTANCE#<id>`), hosts by their cluster (`HOST#CLUSTER#<id>`).
 * - gsi5 (gsi5pk/gsi5sk, a Number): the capacity index, hosts of a zone by their free memory
 *   (`HOST#ROOM#<zone>#<shard>`), which placement range-queries for the hosts that can fit a VM.
 * Which item goes where is decided in indexing.ts and nowhere else; listing.ts reads them.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** `sortKeyType`: S (text, ordered as strings) or N (a number, kept by arithmetic in update expressions). */
export const TABLE_INDEXES = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', sortKeyType: 'S' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', sortKeyType: 'S' },
  { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', sortKeyType: 'S' },
  { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', sortKeyType: 'S' },
  { indexName: 'gsi5', partitionKey: 'gsi5pk', sortKey: 'gsi5sk', sortKeyType: 'N' },
] as const;

export type IndexName = (typeof TABLE_INDEXES)[number]['indexName'];

/** Attribute that DynamoDB's TTL deletes by (epoch seconds); reads filter on it too (DynamoDB Local never expires items). */
export const TTL_ATTRIBUTE = 'expiresAt';
