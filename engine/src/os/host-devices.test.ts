import { describe, expect, it } from 'vitest';
import { listHostDevices, splitDev } from './host-devices.js';

describe('splitDev', () => {
  it("decodes Linux's dev_t, including majors and minors past 8 bits", () => {
    expect(splitDev(0x0103n)).toEqual({ major: 1, minor: 3 });
    expect(splitDev((259n << 8n) | 5n)).toEqual({ major: 259, minor: 5 });
    expect(splitDev((0x12300n << 12n) | (4n << 8n) | 0x45n)).toEqual({ major: 4, minor: 0x12345 });
  });
});

describe('listHostDevices', () => {
  it('finds character devices under /dev without following symlinks or entering /dev/pts', async () => {
    const devices = await listHostDevices();
    expect(devices).toContainEqual(
      expect.objectContaining({ path: '/dev/null', type: 'c', major: 1, minor: 3 }),
    );
    expect(devices.some((d) => d.path.startsWith('/dev/pts/'))).toBe(false);
    expect(devices.some((d) => d.path === '/dev/stdin')).toBe(false);
  });
});
