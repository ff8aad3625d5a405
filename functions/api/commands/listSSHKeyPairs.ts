import { z } from 'zod';
import type { SshKeyPair } from '../../../core/entities';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toSshKeyPairResponse } from '../../views/sshKeyPair';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { refuseProject } from '../owner';
import { resolveScope, scopeParams } from '../scope';

export default defineCommand({
  name: 'listSSHKeyPairs',
  description: 'List registered keypairs',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'sshkeypair',
  related: ['createSSHKeyPair', 'registerSSHKeyPair', 'deleteSSHKeyPair'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the ssh keypair', since: '4.17' }),
    name: cs.string().optional().meta({ description: 'A key pair name to look for' }),
    fingerprint: cs.string().optional().meta({ description: 'A public key fingerprint to look for' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project (projects are not supported: refused)' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store } = ctx;
    refuseProject(params);
    const scope = await resolveScope(ctx, params, params.id);
    const where = new Conditions();
    const source = await scopePartitions(store, 'SSHKEYPAIR', scope, where, params.id);
    // The search text is `<name>\n<fingerprint>` in lower case: a name matches whole and
    // case-insensitively, as CloudStack's MySQL collation compares it.
    where
      .eq('fingerprint', params.fingerprint?.toLowerCase())
      .contains('text', params.keyword?.toLowerCase())
      .named(params.name);
    const lookups = createLookups(store);
    // Newest first, as CloudStack's key pair list (id descending).
    return pageOf<SshKeyPair>(store, 'sshkeypair', { ...source, descending: true, filter: where.build() }, params, async (k) => toSshKeyPairResponse(k, (await lookups.domain(k.domainId))?.name));
  },
});
