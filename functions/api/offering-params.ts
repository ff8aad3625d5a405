import { InvalidParameterError } from '../../core/errors';

/**
 * CloudStack parameters of the offering commands that Stratus does not act on: given, each is a
 * 431 naming it (never silently ignored); absent or false, nothing.
 */
export function refuseUnsupported(params: Record<string, unknown>, unsupported: Readonly<Record<string, string>>): void {
  for (const [name, why] of Object.entries(unsupported)) {
    const value = params[name];
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) continue;
    throw new InvalidParameterError(`Parameter ${name} is not supported: ${why}`);
  }
}

/** Comma-separated tags as CloudStack keeps them: trimmed, no empty ones; none: undefined. */
export function tagList(text: string | undefined): string | undefined {
  const tags = (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return tags.length ? [...new Set(tags)].join(',') : undefined;
}

/** Why Stratus refuses the scoping and storage-tag parameters of both service offering commands. */
export const PUBLIC_OFFERING = 'every service offering is public';
export const NO_ROOT_STORAGE_TAGS = 'a ROOT volume is placed on any pool its host reaches; give a disk offering tags instead';
