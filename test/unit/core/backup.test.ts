import { whyProviderCannot } from '../../../core/backup';

describe('what a backup provider can do', () => {
  it("lets the dummy provider's offerings take and restore backups", () => {
    expect(whyProviderCannot({ name: 'Gold', provider: 'dummy' }, 'dummy', 'take backups')).toBeUndefined();
  });

  it('refuses the nas provider by name until its host side is built', () => {
    expect(whyProviderCannot({ name: 'NAS', provider: 'nas' }, 'nas', 'restore volumes')).toBe("Backup provider nas cannot restore volumes yet: only the dummy provider's can");
  });

  it("refuses an offering whose provider is no longer the zone's", () => {
    expect(whyProviderCannot({ name: 'Gold', provider: 'dummy' }, 'nas', 'take backups')).toBe("Backup offering Gold is the dummy provider's, but the zone's backup provider is nas now");
  });
});
