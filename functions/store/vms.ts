import type { Vm } from '../../core/entities';
import { entityKey } from './keys';
import { Repository } from './repository';

/**
 * VM items. Writes that change a VM's state go through a transaction together with its job
 * (jobs.ts) or its host's capacity (placement.ts), always conditioned on `version`.
 */
export class VmsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<Vm>('VM', id, consistent);
  listAll = () => this.listKind<Vm>('VM');
  listByAccount = (accountId: string) => this.listScope<Vm>('VM', 'ACCOUNT', accountId);

  /** The Put of a new VM item, for a transaction. */
  createOperation(vm: Vm) {
    return {
      Put: {
        TableName: this.table,
        Item: this.entityItem('VM', vm, { order: vm.created, scope: { name: 'ACCOUNT', id: vm.accountId } }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * The Update of a VM's fields, for a transaction: conditioned on the version read, it bumps the
   * version and may REMOVE attributes (a released host, a finished job).
   */
  updateOperation(vm: Pick<Vm, 'id' | 'version'>, set: Partial<Vm>, remove: Array<keyof Vm> = []) {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': vm.version, ':next': vm.version + 1 };
    const sets = ['#version = :next'];
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined || k === 'version' || k === 'id') continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    const removes = remove.map((k) => {
      names[`#${String(k)}`] = String(k);
      return `#${String(k)}`;
    });
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('VM', vm.id),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }
}
