import { documentClient, tableName } from './client';
import { AddressesRepository } from './addresses';
import { AffinityRepository } from './affinity';
import { AlertsRepository } from './alerts';
import { CredentialsRepository } from './credentials';
import { EventsRepository } from './events';
import { HaRepository } from './ha';
import { HostAgentRepository } from './host-agent';
import { HostsRepository } from './hosts';
import { InfrastructureRepository } from './infrastructure';
import { InventoryRepository } from './inventory';
import { JobsRepository } from './jobs';
import { ListingRepository } from './listing';
import { MaintenanceRepository } from './maintenance';
import { MovesRepository } from './moves';
import { PlacementRepository } from './placement';
import { SchedulesRepository } from './schedules';
import { SettingsRepository } from './settings';
import { PoolReports, StorageRepository } from './storage';
import { BackupsRepository } from './backups';
import { SessionsRepository } from './sessions';
import { ResourceCountsRepository, ResourceLimitGuard, resourceLimitMiddleware } from './resource-counts';
import { ThrottleRepository } from './throttle';
import { SshKeysRepository } from './ssh-keys';
import { TagsRepository } from './tags';
import { TasksRepository } from './tasks';
import { TemplatesRepository } from './templates';
import { TenancyRepository } from './tenancy';
import { UnmanagedInstancesRepository } from './unmanaged';
import { VmsRepository } from './vms';
import { VmSnapshotsRepository } from './vm-snapshots';

/**
 * Everything the handlers read and write, one repository per concern, all on the one table.
 * Handlers get a Store; only functions/store/ knows keys, indexes and conditions.
 */
export interface Store {
  credentials: CredentialsRepository; // API keys -> callers
  inventory: InventoryRepository; // domains, accounts, users, zones, pods, clusters, offerings, templates, networks
  tenancy: TenancyRepository; // tenants' unique names, account state, API key registration, domain subtrees
  hosts: HostsRepository; // host items as the API and the allocator see them
  hostAgent: HostAgentRepository; // registration tokens, host secrets, heartbeats
  infrastructure: InfrastructureRepository; // the administrator's writes: zones, pods, clusters, hosts
  vms: VmsRepository;
  jobs: JobsRepository;
  placement: PlacementRepository; // capacity reservation and release
  maintenance: MaintenanceRepository; // hosts' maintenance: resource state with the job that drives it
  moves: MovesRepository; // capacity of VMs moving or growing while they run (migration, scaling)
  tasks: TasksRepository; // agent tasks: create, lease, complete
  settings: SettingsRepository; // global settings and zone overrides
  events: EventsRepository; // listEvents
  addresses: AddressesRepository; // guest IP addresses in use
  schedules: SchedulesRepository; // when background jobs last ran
  affinity: AffinityRepository; // affinity groups and host affinity pins
  alerts: AlertsRepository; // listAlerts
  ha: HaRepository; // the HA monitor's host verdicts and restart follow-ups
  templates: TemplatesRepository; // template updates (updateTemplate), conditioned on their version
  listing: ListingRepository; // the one listing mechanism: pages and totals of index partitions
  storage: StorageRepository; // primary storage pools and their ledger, disk offerings, volumes
  poolReports: PoolReports; // what hosts report of their pools in heartbeats, and the pools they keep
  tags: TagsRepository; // resource tags (createTags), on VMs, volumes and VM snapshots
  vmSnapshots: VmSnapshotsRepository; // VM snapshots, changed with their VM's list of them
  unmanaged: UnmanagedInstancesRepository; // domains on hosts that Stratus does not manage, as their hosts describe them
  backups: BackupsRepository; // backup offerings and VMs' assignment to them
  sshKeys: SshKeysRepository; // accounts' SSH key pairs, found by name
  sessions: SessionsRepository; // login sessions (sessionkey)
  throttle: ThrottleRepository; // API throttling's per-account counts
  resourceCounts: ResourceCountsRepository; // accounts' and domains' resource counts and limits
  limits: ResourceLimitGuard; // holds transactions to the limits; assertRoom for what a later step will take
}

let current: { db: unknown; table: string; store: Store } | undefined;

/** The process's store for the configured table and endpoint (its repositories keep small caches). */
export function createStore(): Store {
  const db = documentClient();
  const table = tableName();
  if (current?.db === db && current.table === table) return current.store;
  // Shared with the heartbeat route, which reads settings and (rarely) VMs: one cache per process.
  const settings = new SettingsRepository(db, table);
  const listing = new ListingRepository(db, table);
  const vms = new VmsRepository(db, table, listing);
  const ha = new HaRepository(db, table);
  const hosts = new HostsRepository(db, table, listing);
  const alerts = new AlertsRepository(db, table);
  const storage = new StorageRepository(db, table, settings, listing);
  const inventory = new InventoryRepository(db, table);
  const tenancy = new TenancyRepository(db, table);
  const resourceCounts = new ResourceCountsRepository(db, table, settings, tenancy, listing);
  // Every transaction of this client that moves resource counts is held to the limits (resource-counts.ts).
  const limits = new ResourceLimitGuard(resourceCounts, tenancy);
  db.middlewareStack.add(resourceLimitMiddleware(limits), { step: 'initialize', name: 'holdToResourceLimits', override: true });
  const store: Store = {
    credentials: new CredentialsRepository(db, table),
    inventory,
    tenancy,
    hosts,
    hostAgent: new HostAgentRepository(db, table, settings, vms, ha),
    infrastructure: new InfrastructureRepository(db, table),
    vms,
    jobs: new JobsRepository(db, table, settings),
    placement: new PlacementRepository(db, table),
    maintenance: new MaintenanceRepository(db, table),
    moves: new MovesRepository(db, table),
    tasks: new TasksRepository(db, table),
    settings,
    events: new EventsRepository(db, table, listing, settings),
    addresses: new AddressesRepository(db, table),
    schedules: new SchedulesRepository(db, table),
    affinity: new AffinityRepository(db, table),
    alerts,
    ha,
    templates: new TemplatesRepository(db, table),
    listing,
    storage,
    poolReports: new PoolReports(storage, hosts, alerts, inventory),
    tags: new TagsRepository(db, table, listing),
    vmSnapshots: new VmSnapshotsRepository(db, table),
    unmanaged: new UnmanagedInstancesRepository(db, table, vms, listing),
    backups: new BackupsRepository(db, table, vms),
    sshKeys: new SshKeysRepository(db, table),
    sessions: new SessionsRepository(db, table),
    throttle: new ThrottleRepository(db, table),
    resourceCounts,
    limits,
  };
  current = { db, table, store };
  return store;
}
