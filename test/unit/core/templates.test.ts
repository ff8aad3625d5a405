import { checksumValue, imageStatus, isReady, parseChecksum } from '../../../core/templates';

describe('images registered from a URL', () => {
  it('shows the status CloudStack shows for each stage of a download', () => {
    const downloading = (percent: number, format: 'QCOW2' | 'ISO' = 'QCOW2') => ({ isReady: false, format, download: { state: 'Downloading' as const, percent } });
    expect(imageStatus(downloading(0))).toBe('Processing');
    expect(imageStatus(downloading(42))).toBe('42% Downloaded');
    expect(imageStatus(downloading(100))).toBe('Installing Template');
    expect(imageStatus(downloading(100, 'ISO'))).toBe('Installing ISO');
    expect(imageStatus({ isReady: false, format: 'QCOW2', download: { state: 'Error', percent: 10, error: 'HTTP 404' } })).toBe('HTTP 404');
    expect(imageStatus({ isReady: true, format: 'QCOW2', download: { state: 'Downloaded', percent: 100 } })).toBe('Download Complete');
    expect(imageStatus({ format: 'QCOW2' })).toBe('Download Complete'); // seeded: nothing to download
  });

  it('is ready once downloaded and while not deleted', () => {
    expect(isReady({})).toBe(true);
    expect(isReady({ isReady: false })).toBe(false);
    expect(isReady({ isReady: true, removed: '2026-01-01T00:00:00Z' })).toBe(false);
  });

  it('reads CloudStack checksums: {ALGORITHM}hex or a bare MD5, and refuses others with the reason', () => {
    expect(parseChecksum(`{SHA-256}${'A'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
    expect(parseChecksum('d41d8cd98f00b204e9800998ecf8427e')).toEqual({ algorithm: 'md5', hex: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(parseChecksum(`{sha-512}${'0'.repeat(128)}`).algorithm).toBe('sha512');
    expect(() => parseChecksum('{SHA-256}abc')).toThrow('a SHA-256 digest has 64 hex digits, not 3');
    expect(() => parseChecksum('{CRC32}abcd')).toThrow('is not valid');
    expect(() => parseChecksum('not hex')).toThrow('is not valid');
    expect(checksumValue(`{SHA-1}${'b'.repeat(40)}`)).toBe('b'.repeat(40));
  });
});
