/**
 * The single table's shape, shared by CDK (cdk/stack.ts) and the local runtime (local/dynamodb.ts)
 * so both create the same thing.
 *
 * - pk/sk: the item (`VM#<id>`/`VM`), or a member of a small collection (`TASK#<hostId>`/`TASK#<taskId>`).
 * - gsi1 (gsi1pk/gsi1sk): every item of a kind (`VM`, `HOST`, ...), ordered for listing.
 * - gsi2 (gsi2pk/gsi2sk): a kind within a scope (`VM#ACCOUNT#<id>`, `HOST#ZONE#<id>`, `JOB#INSTANCE#<id>`).
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const TABLE_INDEXES = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
] as const;

/** Attribute that DynamoDB's TTL deletes by (epoch seconds); reads filter on it too (DynamoDB Local never expires items). */
export const TTL_ATTRIBUTE = 'expiresAt';
