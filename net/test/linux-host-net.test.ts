import { describe, expect, it } from 'vitest';
import { LinuxHostNet } from '../src/index.js';
import { run } from './helpers.js';

describe('LinuxHostNet', () => {
  it('reads the same IPv4 routes from /proc/net/route as `ip -j route` prints', async () => {
    const normalise = (dst: string) => (dst === 'default' || dst.includes('/') ? dst : `${dst}/32`);
    let last: { got: string[]; expected: string[] } = { got: [], expected: [] };
    // Other engineers add and remove bridges meanwhile: retry until two back-to-back reads agree.
    for (let attempt = 0; attempt < 5; attempt++) {
      const { routes } = await new LinuxHostNet().ipv4Routes();
      const out = await run('ip', ['-j', '-4', 'route', 'show', 'table', 'main']);
      const ip = JSON.parse(out.stdout) as { dst: string; dev: string }[];
      last = {
        got: routes.map((r) => `${r.dst} ${r.dev}`).sort(),
        expected: ip.map((r) => `${normalise(r.dst)} ${r.dev}`).sort(),
      };
      if (JSON.stringify(last.got) === JSON.stringify(last.expected)) break;
    }
    expect(last.got).toEqual(last.expected);
    expect(last.got.length).toBeGreaterThan(0);
  });
});
