import { whyProviderCannot } from '../../../core/backup';

describe('what a backup provider can do', () => {
  it("lets the zone's provider's offerings take and restore backups, dummy and nas alike", () => {
    expect(whyProviderCannot({ name: 'Gold', provider: 'dummy' }, 'dummy')).toBeUndefined();
    expect(whyProviderCannot({ name: 'NAS', provider: 'nas' }, 'nas')).toBeUndefined();
  });

  it("refuses an offering whose provider is no longer the zone's", () => {
    expect(whyProviderCannot({ name: 'Gold', provider: 'dummy' }, 'nas')).toBe("Backup offering Gold is the dummy provider's, but the zone's backup provider is nas now");
  });
});
