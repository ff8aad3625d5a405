import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Account, Cluster, Domain, Network, Pod, ServiceOffering, Template, User, Zone } from '../../core/entities';
import { entityKey, sequenceKey } from './keys';
import { cataloguePartition } from './indexing';
import { Repository } from './repository';
import { TenancyRepository } from './tenancy';
import { InfrastructureRepository } from './infrastructure';

/**
 * The slowly changing inventory: tenancy (domains, accounts, users), infrastructure (zones, pods,
 * clusters) and catalogue (offerings, templates, networks). Creates are idempotent by id, which
 * keeps the bootstrap safe to run on every start.
 */
export class InventoryRepository extends Repository {
  // Tenants are created through the tenancy repository, which claims their unique names.
  private readonly tenancy = new TenancyRepository(this.db, this.table);
  // Zones, pods and clusters claim their names as createZone/createPod/addCluster do (addHost and createZone read the claims).
  private readonly infrastructure = new InfrastructureRepository(this.db, this.table);

  getDomain = (id: string) => this.getEntity<Domain>('DOMAIN', id);
  putDomain = (d: Domain) => this.tenancy.putDomain(d);

  getAccount = (id: string) => this.getEntity<Account>('ACCOUNT', id);
  putAccount = (a: Account) => this.tenancy.putAccount(a);

  getUser = (id: string) => this.getEntity<User>('USER', id);
  listUsers = () => this.listKind<User>('USER');
  putUser = (u: User) => this.tenancy.putUser(u);

  async setUserApiKey(userId: string, apiKey: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: entityKey('USER', userId),
        UpdateExpression: 'SET apiKey = :k',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':k': apiKey },
      }),
    );
  }

  getZone = (id: string) => this.getEntity<Zone>('ZONE', id);
  listZones = () => this.listKind<Zone>('ZONE');
  putZone = (z: Zone) => this.infrastructure.createZone(z);

  getPod = (id: string) => this.getEntity<Pod>('POD', id);
  listPodsInZone = (zoneId: string) => this.listPartition<Pod>('gsi2', cataloguePartition('POD', 'ZONE', zoneId));
  putPod = (p: Pod) => this.infrastructure.createPod(p);

  getCluster = (id: string) => this.getEntity<Cluster>('CLUSTER', id);
  listClusters = () => this.listKind<Cluster>('CLUSTER');
  listClustersInZone = (zoneId: string) => this.listPartition<Cluster>('gsi2', cataloguePartition('CLUSTER', 'ZONE', zoneId));
  listClustersInPod = (podId: string) => this.listPartition<Cluster>('gsi3', cataloguePartition('CLUSTER', 'POD', podId));
  putCluster = (c: Cluster) => this.infrastructure.createCluster(c);

  /** An offering, deleted ones included: the VMs made from one keep it (placement, views). */
  getServiceOffering = (id: string) => this.getEntity<ServiceOffering>('OFFERING', id);
  /** An offering still offered: what a deploy, an offering change or the offering commands may name. */
  offeredServiceOffering = async (id: string) => {
    const offering = await this.getServiceOffering(id);
    return offering?.removed ? undefined : offering;
  };
  listServiceOfferings = () => this.listKind<ServiceOffering>('OFFERING');
  putServiceOffering = (o: ServiceOffering) => this.putEntity('OFFERING', o);
  /** createServiceOffering: a new id, refused if it exists. */
  createServiceOffering = (o: ServiceOffering) => this.putEntity('OFFERING', o, { idempotent: false });

  /** An offering's fields changed (its listing text with its name), conditioned on the version read. */
  async updateServiceOffering(offering: ServiceOffering, set: Partial<ServiceOffering>, remove: Array<keyof ServiceOffering> = []): Promise<ServiceOffering> {
    const after: ServiceOffering = { ...offering, ...set, version: (offering.version ?? 0) + 1 };
    for (const k of remove) delete after[k];
    return this.updateEntity('OFFERING', offering, after, `Service offering ${offering.name}`);
  }

  getTemplate = (id: string) => this.getEntity<Template>('TEMPLATE', id);
  putTemplate = (t: Template) => this.putEntity('TEMPLATE', t);

  getNetwork = (id: string) => this.getEntity<Network>('NETWORK', id);
  putNetwork = (n: Network) => this.putEntity('NETWORK', n);
  listNetworksInZone = (zoneId: string) => this.listPartition<Network>('gsi2', cataloguePartition('NETWORK', 'ZONE', zoneId));

  /** A gap-free counter (CloudStack's numeric ids appear in internal names: i-<user>-<vm>-VM). */
  async nextSequence(name: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: sequenceKey(name),
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.value);
  }
}
