import { documentClient, tableName } from './client';
import { CredentialsRepository } from './credentials';
import { EventsRepository } from './events';
import { HostAgentRepository } from './host-agent';
import { HostsRepository } from './hosts';
import { InventoryRepository } from './inventory';
import { JobsRepository } from './jobs';
import { PlacementRepository } from './placement';
import { SettingsRepository } from './settings';
import { TasksRepository } from './tasks';
import { VmsRepository } from './vms';

/**
 * Everything the handlers read and write, one repository per concern, all on the one table.
 * Handlers get a Store; only functions/store/ knows keys, indexes and conditions.
 */
export interface Store {
  credentials: CredentialsRepository; // API keys -> callers
  inventory: InventoryRepository; // domains, accounts, users, zones, pods, clusters, offerings, templates, networks
  hosts: HostsRepository; // host items as the API and the allocator see them
  hostAgent: HostAgentRepository; // registration tokens, host secrets, heartbeats
  vms: VmsRepository;
  jobs: JobsRepository;
  placement: PlacementRepository; // capacity reservation and release
  tasks: TasksRepository; // agent tasks: create, lease, complete
  settings: SettingsRepository; // global settings and zone overrides
  events: EventsRepository; // listEvents
}

let current: { db: unknown; table: string; store: Store } | undefined;

/** The process's store for the configured table and endpoint (its repositories keep small caches). */
export function createStore(): Store {
  const db = documentClient();
  const table = tableName();
  if (current?.db === db && current.table === table) return current.store;
  const store: Store = {
    credentials: new CredentialsRepository(db, table),
    inventory: new InventoryRepository(db, table),
    hosts: new HostsRepository(db, table),
    hostAgent: new HostAgentRepository(db, table),
    vms: new VmsRepository(db, table),
    jobs: new JobsRepository(db, table),
    placement: new PlacementRepository(db, table),
    tasks: new TasksRepository(db, table),
    settings: new SettingsRepository(db, table),
    events: new EventsRepository(db, table),
  };
  current = { db, table, store };
  return store;
}
