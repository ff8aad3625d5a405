import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Template, TemplateDownload } from '../../core/entities';
import { entityKey } from './keys';
import { Repository } from './repository';

/**
 * Templates and ISOs: registration (the image and its download job in one transaction), the
 * download's progress and end, updates and deletion. Every change but progress is conditioned on
 * the version read, so two racing cannot both apply on the same state: the later one is refused,
 * not lost. Seeded images are written by the inventory.
 */
export class TemplatesRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<Template>('TEMPLATE', id, consistent);

  /** Set `set` on the template read as `t`; its search text follows a new name or display text. */
  async update(t: Template, set: Partial<Omit<Template, 'id' | 'version'>>): Promise<Template> {
    const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as Partial<Template>;
    return this.updateEntity('TEMPLATE', t, { ...t, ...defined, version: (t.version ?? 0) + 1 }, `Template ${t.id}`);
  }

  /** A new image, for the transaction that starts its download job. */
  createOperations(t: Template): object[] {
    return [{ Put: { TableName: this.table, Item: this.listedItem('TEMPLATE', t), ConditionExpression: 'attribute_not_exists(pk)' } }, ...this.counterOperations('TEMPLATE', undefined, t)];
  }

  /**
   * The image read as `t` changed as `set` says (and `remove` gone), for a transaction; held to its
   * version, and with `unused` to no VM having it in its CD-ROM (attaches do not bump the version).
   */
  changeOperations(t: Template, set: Partial<Template>, remove: ReadonlyArray<keyof Template> = [], { unused = false } = {}): object[] {
    const after: Record<string, unknown> = { ...t, ...set, version: (t.version ?? 0) + 1 };
    for (const k of remove) delete after[k];
    const update = this.entityUpdate('TEMPLATE', t, after);
    if (unused) {
      update.ConditionExpression = `(${update.ConditionExpression}) AND (attribute_not_exists(#attachedVms) OR #attachedVms <= :noVms)`;
      update.ExpressionAttributeNames = { ...update.ExpressionAttributeNames, '#attachedVms': 'attachedVms' };
      update.ExpressionAttributeValues = { ...update.ExpressionAttributeValues, ':noVms': 0 };
    }
    return [{ Update: update }, ...this.counterOperations('TEMPLATE', t, after as unknown as Template)];
  }

  /** The ISOs' counts of VMs as one VM's CD-ROM goes from `before` to `after` (each an ISO id or none). */
  holderOperations(before: string | undefined, after: string | undefined): object[] {
    if (before === after) return [];
    return [...(before ? [this.attachCountOperation(before, -1)] : []), ...(after ? [this.attachCountOperation(after, 1)] : [])];
  }

  /**
   * One VM more (`delta` 1, the ISO still there) or fewer (-1) with the ISO in its CD-ROM, for the
   * transaction that changes the VM. No version: attaches of one ISO to many VMs do not conflict.
   */
  attachCountOperation(isoId: string, delta: 1 | -1): object {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('TEMPLATE', isoId),
        UpdateExpression: 'ADD #attachedVms :delta',
        ...(delta > 0 ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#removed)' } : {}),
        ExpressionAttributeNames: { '#attachedVms': 'attachedVms', ...(delta > 0 ? { '#removed': 'removed' } : {}) },
        ExpressionAttributeValues: { ':delta': delta },
      },
    };
  }

  /**
   * A host's word on how far its download has come: written only while that host downloads it and
   * only forward, with no version bump (it conflicts with nothing). A stale or stray report is dropped.
   */
  async recordProgress(hostId: string, templateId: string, percent: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('TEMPLATE', templateId),
          UpdateExpression: 'SET #download.#percent = :percent',
          ConditionExpression: '#download.#hostId = :host AND #download.#state = :downloading AND #download.#percent < :percent',
          ExpressionAttributeNames: { '#download': 'download', '#percent': 'percent', '#hostId': 'hostId', '#state': 'state' },
          ExpressionAttributeValues: { ':percent': percent, ':host': hostId, ':downloading': 'Downloading' satisfies TemplateDownload['state'] },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
