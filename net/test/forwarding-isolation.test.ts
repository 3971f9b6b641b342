import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, run, suffix } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult {
  ipForward: string;
  sameNetwork: string | null;
  otherNetwork: string | null;
  outside: string | null;
  filter: string;
  nat: string;
}

async function ip(...args: string[]): Promise<void> {
  const r = await run('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/**
 * The machine's own kernel does not forward (ip_forward=0), which already isolates networks. To
 * test the rules Skiff adds when forwarding is on, the engine runs inside a throwaway "host"
 * namespace with forwarding enabled, wired by a veth to an "outside" namespace running a web
 * server that has no route back to container subnets: only MASQUERADE makes it answer.
 */
describe('isolation and outbound NAT when the kernel forwards', () => {
  const h = new Harness();
  const id = suffix();
  const hostNs = `skft-host-${id}`;
  const outsideNs = `skft-out-${id}`;

  afterEach(async () => {
    await h.cleanup();
    await run('ip', ['netns', 'del', hostNs]);
    await run('ip', ['netns', 'del', outsideNs]);
  });

  async function world(): Promise<void> {
    await ip('netns', 'add', hostNs);
    await ip('netns', 'add', outsideNs);
    await ip(
      '-n',
      hostNs,
      'link',
      'add',
      'uplink',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      outsideNs,
    );
    await ip('-n', hostNs, 'addr', 'add', '198.51.100.1/24', 'dev', 'uplink');
    await ip('-n', hostNs, 'link', 'set', 'uplink', 'up');
    await ip('-n', hostNs, 'link', 'set', 'lo', 'up');
    await ip('-n', outsideNs, 'addr', 'add', '198.51.100.2/24', 'dev', 'eth0');
    await ip('-n', outsideNs, 'link', 'set', 'eth0', 'up');
    await ip('-n', outsideNs, 'link', 'set', 'lo', 'up');
    await h.httpServer(outsideNs, 'outside\n');
  }

  async function engineInHost(nat: boolean, forward: boolean): Promise<ChildResult> {
    if (forward) {
      const on = await run('ip', [
        'netns',
        'exec',
        hostNs,
        'sh',
        '-c',
        'echo 1 > /proc/sys/net/ipv4/ip_forward',
      ]);
      expect(on.code).toBe(0);
    }
    const stateDir = await h.tempDir();
    const child = await run('ip', [
      'netns',
      'exec',
      hostNs,
      process.execPath,
      path.join(here, 'fixtures/forwarding-child.mjs'),
      stateDir,
      nat ? '1' : '0',
      '198.51.100.2',
    ]);
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as ChildResult;
  }

  it('keeps networks apart and containers inside the machine when forwarding is on without NAT', async () => {
    await world();
    const r = await engineInHost(false, true);
    expect(r.ipForward).toBe('1');
    expect(r.sameNetwork).toBe('srv');
    expect(r.otherNetwork).toBeNull();
    expect(r.outside).toBeNull();
    expect(r.filter).toContain('-A FORWARD -j SKIFF-ISOLATION');
    expect(r.nat).not.toContain('MASQUERADE');
  });

  it('lets containers out through MASQUERADE with outboundNat, still keeping networks apart', async () => {
    await world();
    const r = await engineInHost(true, false);
    expect(r.ipForward).toBe('1'); // turned on by the engine because NAT was asked for
    expect(r.sameNetwork).toBe('srv');
    expect(r.otherNetwork).toBeNull();
    expect(r.outside).toBe('outside');
    expect(r.nat).toMatch(/-A SKF-[0-9a-f]{8} -s 10\.210\.\d+\.0\/24 ! -o skf-[0-9a-f]{8} -j MASQUERADE/);
  });
});
