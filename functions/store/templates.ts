import type { Template } from '../../core/entities';
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
    return this.updateEntity('TEMPLATE', t, { ...t, ...defined, version: (t.version ?? 0) + 1 }, `Template ${t.id}`);
  }
}
