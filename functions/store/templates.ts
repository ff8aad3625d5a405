import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Template } from '../../core/entities';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey, strip } from './keys';
import { Repository } from './repository';

/**
 * Changes to templates (updateTemplate); creating and reading them stays with the inventory. An
 * update is conditioned on the version read (absent on a template never updated), so two updates
 * racing cannot both apply on the same state: the later one is refused, not lost.
 */
export class TemplatesRepository extends Repository {
  /** Set `set` on the template read as `t`; its search text follows a new name or display text. */
  async update(t: Template, set: Partial<Omit<Template, 'id' | 'version'>>): Promise<Template> {
    const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) as Partial<Template>;
    const index = this.indexUpdate('TEMPLATE', t, { ...t, ...defined });
    const names: Record<string, string> = { '#version': 'version', '#pk': 'pk', ...index.names };
    const values: Record<string, unknown> = { ':next': (t.version ?? 0) + 1, ...index.values };
    const sets = ['#version = :next', ...index.sets];
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined || k === 'id' || k === 'version') continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    let condition = 'attribute_exists(#pk) AND attribute_not_exists(#version)';
    if (t.version !== undefined) {
      condition = 'attribute_exists(#pk) AND #version = :expected';
      values[':expected'] = t.version;
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('TEMPLATE', t.id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Template>(out.Attributes ?? {});
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new ConcurrentOperationError(`Template ${t.id} changed while it was being updated`);
      throw err;
    }
  }
}
