import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Caller, Host, Template, Zone } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import { osTypeById } from '../../core/os-catalogue';
import { stableId } from '../../core/ids';
import { parseChecksum } from '../../core/templates';
import { recordImageEvent } from '../image-events';
import type { Store } from '../store';
import { toTemplateResponse } from '../views/infrastructure';
import type { CommandResult } from './define-command';
import type { JobStarter } from './jobs';
import { refuseUnsupported } from './offering-params';
import { cs } from './params';

/**
 * registerTemplate and registerIso: the image is recorded not ready, and one Up host of its zone
 * downloads it (workflows/download-image.asl.json), its progress shown as the image's status. A
 * cross-zone image (zoneid=-1) is downloaded in the first zone with such a host; the hosts of other
 * zones fetch it from its URL on first use, as every host not holding it does.
 */

/** Both commands' parameters. */
export const imageParams = {
  name: cs.string(255).meta({ description: 'the name of the image' }),
  displaytext: cs.string(4096).optional().meta({ description: 'the display text of the image; the name when absent' }),
  url: cs.string(2048).meta({ description: 'the URL of where the image is hosted (HTTP or HTTPS)' }),
  zoneid: cs.string(40).optional().meta({ description: 'the ID of the zone the image is to be hosted on; -1 for every zone' }),
  ostypeid: cs.uuid().optional().meta({ description: 'the ID of the OS type that best represents the OS of this image' }),
  checksum: cs.string(200).optional().meta({ description: 'the checksum value of this image: {ALGORITHM}hex, or an MD5 hex digest' }),
  isfeatured: cs.boolean().optional().meta({ description: 'true if the image is featured (root admin only); default false' }),
  ispublic: cs.boolean().optional().meta({ description: 'true if the image is available to all accounts; default false' }),
  isextractable: cs.boolean().optional().meta({ description: 'true if the image or its derivatives are extractable; default false' }),
  passwordenabled: cs.boolean().optional().meta({ description: 'true if the image supports the password reset feature; default false' }),
  isdynamicallyscalable: cs.boolean().optional().meta({ description: 'true if the image contains the tools to support dynamic scaling of VM CPU/memory' }),
  bits: cs.int().optional().meta({ description: '32 or 64 bits support; 64 by default' }),
  // Known to CloudStack, not done by Stratus: refused by name when given.
  account: cs.string().optional().meta({ description: 'an optional account name (not supported yet: registering for another account)' }),
  domainid: cs.uuid().optional().meta({ description: 'an optional domain ID (not supported yet: registering for another account)' }),
  projectid: cs.uuid().optional().meta({ description: 'register the image for the project (projects are not supported)' }),
  directdownload: cs.boolean().optional().meta({ description: 'direct download to primary storage (not supported: hosts always download registered images)' }),
  userdataid: cs.uuid().optional().meta({ description: 'the ID of the user data linked to the image (not supported)' }),
  userdatapolicy: cs.string().optional().meta({ description: 'user data policy (not supported)' }),
};

const REFUSED = {
  account: 'an image is registered for the caller\'s own account',
  domainid: 'an image is registered for the caller\'s own account',
  projectid: 'projects are not supported',
  directdownload: 'hosts download every registered image into their pools',
  userdataid: 'user data on images is not supported',
  userdatapolicy: 'user data on images is not supported',
} as const;

type ImageParams = z.infer<z.ZodObject<typeof imageParams>>;

/** The one piece each command adds: its kind and what only it takes. */
export interface ImageKind {
  kind: 'template' | 'iso';
  format: Template['format'];
  hypervisor?: Template['hypervisor'];
  bootable?: boolean;
  /** its own CloudStack parameters Stratus refuses when given */
  refused?: Readonly<Record<string, string>>;
  /** an ISO has no hypervisor: any host of the zone may download it */
  anyHypervisor?: boolean;
}

/** UriUtils.validateUrl's scheme check, with its text. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidParameterError(`${url} is not a valid uri`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidParameterError(`Unsupported scheme for url: ${url}`);
  // UriUtils.validateUrl refuses any-local, link-local (a cloud's metadata service) and multicast
  // addresses; loopback stays allowed, for the local stack's demo server (see docs/decisions.md).
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (/^0\.|^169\.254\.|^2(2[4-9]|3\d)\.|^::$|^fe[89ab][0-9a-f]:|^ff[0-9a-f]{2}:/.test(host)) throw new InvalidParameterError('Illegal host specified in url');
}

/** The zone (or every zone) and the Up host that downloads the image. */
async function downloadZone(store: Store, zoneParam: string | undefined, hypervisors: ReadonlyArray<Host['hypervisor']>, command: string, what: string): Promise<{ zone?: Zone; host: Host }> {
  if (zoneParam === undefined) throw new InvalidParameterError(`Unable to execute API command ${command.toLowerCase()} due to missing parameter zoneid`);
  const allZones = zoneParam === '-1';
  const zones = allZones ? await store.inventory.listZones() : [await store.inventory.getZone(zoneParam)];
  if (!allZones && !zones[0]) throw new EntityNotFoundError(command, 'zoneid', zoneParam);
  for (const zone of zones as Zone[]) {
    for (const hypervisor of hypervisors) {
      const host = await store.hosts.upHostInZone(zone.id, hypervisor);
      if (host) return { zone: allZones ? undefined : zone, host };
    }
  }
  const where = allZones ? 'any zone' : `zone ${(zones[0] as Zone).name}`;
  throw new InvalidParameterError(`Unable to register ${what}: no Up ${hypervisors.join(' or ')} host in ${where} to download it; add or enable a host first`);
}

export async function registerImage(
  ctx: { params: ImageParams & Record<string, unknown>; caller: Caller; store: Store; jobs: JobStarter; now: Date; command: string },
  k: ImageKind,
): Promise<CommandResult> {
  const { params, caller, store, jobs, now, command } = ctx;
  refuseUnsupported(params, { ...REFUSED, ...k.refused });
  checkUrl(params.url);
  if (params.checksum !== undefined) parseChecksum(params.checksum);
  if (params.bits !== undefined && params.bits !== 32 && params.bits !== 64) throw new InvalidParameterError(`Invalid value for bits: ${params.bits}; give 32 or 64`);
  if (params.isfeatured && caller.role !== 'rootAdmin') throw new PermissionDeniedError('Only the root admin can register a featured image');
  const osType = osTypeById(params.ostypeid ?? stableId('ostype', 'other-64'));
  if (!osType) throw new EntityNotFoundError(command, 'ostypeid', params.ostypeid ?? '');
  const what = `${k.kind === 'iso' ? 'ISO' : 'template'} ${params.name}`;
  const { zone, host } = await downloadZone(store, params.zoneid, k.anyHypervisor ? ['KVM', 'Simulator'] : [k.hypervisor!], command, what);

  const id = randomUUID();
  const template: Template = {
    id,
    name: params.name,
    displayText: params.displaytext ?? params.name,
    format: k.format,
    hypervisor: k.hypervisor ?? host.hypervisor,
    osTypeId: osType.id,
    osTypeName: osType.description,
    url: params.url,
    size: 0,
    isPublic: params.ispublic ?? false,
    isFeatured: params.isfeatured ?? false,
    isExtractable: params.isextractable ?? false,
    passwordEnabled: params.passwordenabled ?? false,
    isDynamicallyScalable: params.isdynamicallyscalable ?? false,
    ...(k.bootable !== undefined ? { bootable: k.bootable } : {}),
    ...(params.checksum ? { checksum: params.checksum.trim() } : {}),
    bits: params.bits ?? 64,
    ...(zone ? { zoneId: zone.id } : {}),
    accountId: caller.accountId,
    domainId: caller.domainId,
    created: now.toISOString(),
    version: 1,
    isReady: false,
  };
  let registered: Template | undefined;
  await jobs.startOnTemplate({
    workflow: 'download-image',
    cmd: `org.apache.cloudstack.api.command.user.${k.kind}.Register${k.kind === 'iso' ? 'Iso' : 'Template'}Cmd`,
    eventType: 'TEMPLATE.DOWNLOAD.START',
    caller,
    templateId: id,
    input: { hostId: host.id },
    operations: (jobId) => store.templates.createOperations((registered = { ...template, download: { state: 'Downloading', percent: 0, hostId: host.id, jobId } })),
    undo: async (jobId, reason) => {
      const now = await store.templates.get(id, true);
      return now ? store.templates.changeOperations(now, { download: { ...now.download!, state: 'Error', error: reason } }) : [];
    },
  });
  const shown = registered ?? template;
  await recordImageEvent(store, { image: shown, ok: true, type: k.kind === 'iso' ? 'ISO.CREATE' : 'TEMPLATE.CREATE', caller, text: `Registered ${what} from ${params.url}` }, now).catch(() => undefined);
  const [account, domain] = await Promise.all([store.inventory.getAccount(caller.accountId), store.inventory.getDomain(caller.domainId)]);
  return { kind: 'list', key: k.kind, items: [toTemplateResponse(shown, zone, { accountName: account?.name, domainName: domain?.name })], count: 1 };
}
