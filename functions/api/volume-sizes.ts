import type { DiskOffering } from '../../core/entities';
import { InvalidParameterError } from '../../core/errors';
import { GiB } from '../../core/storage';
import type { Store } from '../store';

/**
 * A data disk's size from its offering: the offering's, or `sizeGb` for a custom one within
 * custom.diskoffering.size.min/max (CloudStack's VolumeApiServiceImpl texts).
 */
export async function dataDiskSize(offering: DiskOffering, sizeGb: number | undefined, store: Store): Promise<number> {
  if (!offering.isCustomized) {
    if (sizeGb !== undefined && sizeGb !== offering.diskSize) throw new InvalidParameterError('This disk offering does not allow custom size');
    return offering.diskSize * GiB;
  }
  if (sizeGb === undefined) throw new InvalidParameterError('This disk offering requires a custom size specified');
  const [min, max] = await Promise.all([store.settings.getNumber('custom.diskoffering.size.min'), store.settings.getNumber('custom.diskoffering.size.max')]);
  if (!(sizeGb >= min && sizeGb <= max)) throw new InvalidParameterError(`Volume size: ${sizeGb}GB is out of allowed range. Max: ${max} Min:${min}`);
  return sizeGb * GiB;
}
