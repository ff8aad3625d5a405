import type { MapParam } from './params';
import type { Conditions } from '../store/listing';
import { InvalidParameterError } from '../../core/errors';

/**
 * `tags[i].key` / `tags[i].value` on a list command (CloudStack's tag search): each pair must be on
 * the resource (a key alone: the key with any value). The resource keeps its tags as a map, so this
 * is a filter on the partitions the list reads, with no read of its own.
 */
export function whereTagged(where: Conditions, tags: MapParam | undefined): void {
  for (const entry of Object.values(tags ?? {})) {
    const key = entry.key;
    if (key === undefined || key === '') throw new InvalidParameterError('A tag filter needs its key: tags[0].key=...');
    where.mapEntry('tags', key, entry.value);
  }
}
