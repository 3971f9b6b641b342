import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError, NetworkNotFoundError, SandboxNotFoundError } from './errors.js';
import { FakeHostNet } from './host/fake-host-net.js';
import { LinuxNetworkManager, type LinuxNetworkManagerOptions } from './linux-network-manager.js';
import type { SandboxRequest } from './types.js';

const logger = pino({ level: 'silent' });

function request(containerId: string, over: Partial<SandboxRequest> = {}): SandboxRequest {
  return {
    containerId,
    containerName: `c-${containerId.slice(0, 6)}`,
    hostname: '',
    domainname: '',
    mode: { kind: 'bridge', endpoints: [] },
    ports: [],
    extraHosts: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    ...over,
  };
}

const on = (...networks: string[]) => ({
  kind: 'bridge' as const,
  endpoints: networks.map((network) => ({ network, aliases: [] })),
});

describe('LinuxNetworkManager with a fake kernel', () => {
  let dir: string;
  let host: FakeHostNet;
  const managers: LinuxNetworkManager[] = [];

  async function manager(over: Partial<LinuxNetworkManagerOptions> = {}): Promise<LinuxNetworkManager> {
    const m = new LinuxNetworkManager({
      stateDir: path.join(dir, 'state'),
      hostLockPath: path.join(dir, 'host.lock'),
      logger,
      host,
      embeddedDns: false,
      hostsPath: path.join(dir, 'hosts'),
      resolvConfPath: path.join(dir, 'resolv.conf'),
      ...over,
    });
    managers.push(m);
    await m.init();
    return m;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-net-unit-'));
    host = new FakeHostNet();
    await writeFile(path.join(dir, 'hosts'), '127.0.0.1 localhost\n10.0.0.5 corp-proxy\n');
    await writeFile(
      path.join(dir, 'resolv.conf'),
      'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch corp.example\n',
    );
  });

  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the default bridge and the host and none records once', async () => {
    const net = await manager();
    const all = await net.listNetworks();
    expect(all.map((n) => [n.name, n.driver, n.builtIn])).toEqual(
      expect.arrayContaining([
        ['bridge', 'bridge', true],
        ['host', 'host', true],
        ['none', 'null', true],
      ]),
    );
    const bridge = await net.getNetwork('bridge');
    expect(bridge.subnet).toBe('10.210.0.0/24');
    expect(bridge.gateway).toBe('10.210.0.1');
    expect(host.links.get(bridge.bridge)).toMatchObject({
      addresses: ['10.210.0.1/24'],
      alias: `skiff:${net.engineId}:net:${bridge.id}`,
    });
    const again = await manager();
    expect((await again.listNetworks()).map((n) => n.id).sort()).toEqual(all.map((n) => n.id).sort());
  });

  it('allocates subnets that overlap no host route and no other network', async () => {
    host.hostRoutes.push({ dst: '10.210.0.0/23', dev: 'vpn0' });
    const net = await manager();
    expect((await net.getNetwork('bridge')).subnet).toBe('10.210.2.0/24');
    const a = await net.createNetwork({ name: 'a' });
    const b = await net.createNetwork({ name: 'b', labels: { tier: 'db' }, internal: true });
    expect([a.subnet, b.subnet]).toEqual(['10.210.3.0/24', '10.210.4.0/24']);
    expect(b).toMatchObject({ internal: true, labels: { tier: 'db' }, builtIn: false, driver: 'bridge' });
    expect(a.bridge).toMatch(/^skf-[0-9a-f]{8}$/);
  });

  it('hands out distinct subnets to concurrent creates of two engines', async () => {
    const one = await manager();
    const two = await manager({ stateDir: path.join(dir, 'state-2') });
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).createNetwork({ name: `n${i}` })),
    );
    const subnets = [
      ...made.map((n) => n.subnet),
      (await one.getNetwork('bridge')).subnet,
      (await two.getNetwork('bridge')).subnet,
    ];
    expect(new Set(subnets).size).toBe(8);
    expect(one.engineId).not.toBe(two.engineId);
  });

  it('rejects bad input with errors naming the value, creating nothing', async () => {
    const net = await manager();
    const links = host.links.size;
    await expect(net.createNetwork({ name: 'bad name' })).rejects.toThrow(InvalidArgumentError);
    await expect(net.createNetwork({ name: 'x', subnet: '10.1.2.3/24' })).rejects.toThrow(/"10.1.2.3\/24"/);
    await expect(
      net.createNetwork({ name: 'x', subnet: '10.77.0.0/24', gateway: '10.78.0.1' }),
    ).rejects.toThrow(/gateway "10.78.0.1"/);
    await expect(net.createNetwork({ name: 'x', subnet: '192.0.2.128/25' })).rejects.toThrow(
      /overlaps 192.0.2.0\/24 on eth0/,
    );
    await net.createNetwork({ name: 'x', subnet: '10.77.0.0/24', gateway: '10.77.0.254' });
    await expect(net.createNetwork({ name: 'x' })).rejects.toThrow(ConflictError);
    await expect(net.createNetwork({ name: 'y', subnet: '10.77.0.0/16' })).rejects.toThrow(
      /overlaps 10.77.0.0\/24/,
    );
    await expect(net.createNetwork({ name: 'bridge' })).rejects.toThrow(/already exists/);
    expect(host.links.size).toBe(links + 1);
    expect((await net.getNetwork('x')).gateway).toBe('10.77.0.254');
    await expect(net.getNetwork('nope')).rejects.toThrow(NetworkNotFoundError);
  });

  it('builds a sandbox with two ip batches: namespace, veth in the bridge, address, default route', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'app' });
    const before = host.batches;
    const sb = await net.createSandbox(
      request('a'.repeat(64), { containerName: 'web', mode: on('app', 'bridge') }),
    );
    expect(host.batches - before).toBe(2);
    const ns = sb.netnsPath!.split('/').pop()!;
    expect(ns.startsWith(`skf-${net.engineId}-aaaaaaaaaaaa-`)).toBe(true);
    const state = host.netns(ns)!;
    expect(state.links.get('lo')!.up).toBe(true);
    expect(state.links.get('eth0')).toMatchObject({ up: true, addresses: ['10.210.1.2/24'] });
    expect(state.links.get('eth1')).toMatchObject({ up: true, addresses: ['10.210.0.2/24'] });
    expect(state.defaultRoute).toEqual({ via: '10.210.1.1', dev: 'eth0' });
    expect(sb.endpoints.map((e) => [e.networkName, e.ipAddress, e.macAddress])).toEqual([
      ['app', '10.210.1.2', '02:42:0a:d2:01:02'],
      ['bridge', '10.210.0.2', '02:42:0a:d2:00:02'],
    ]);
    const appBridge = (await net.getNetwork('app')).bridge;
    const veth = [...host.links.entries()].find(([, l]) => l.master === appBridge);
    expect(veth?.[0]).toMatch(/^skv[0-9a-f]{12}$/);
    expect(veth?.[1].alias).toBe(`skiff:${net.engineId}:ep:${'a'.repeat(64)}`);
    expect(sb.hostname).toBe('aaaaaaaaaaaa');
    expect(sb.resolvConf).toBe(
      '# Generated by Skiff\nnameserver 10.210.1.1\nsearch corp.example\noptions ndots:0\n',
    );
    expect(sb.hosts).toContain('10.210.1.1\thost.skiff.internal host.docker.internal\n');
    expect(sb.hosts).toContain('10.210.1.2\taaaaaaaaaaaa\n');
    const inspect = await net.getNetwork('app');
    expect(inspect.containers['a'.repeat(64)]).toMatchObject({ name: 'web', ipv4Address: '10.210.1.2/24' });
  });

  it('gives internal networks no default route; the next open network provides it', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'private', internal: true });
    const only = await net.createSandbox(request('b1', { mode: on('private') }));
    expect(host.netns(only.netnsPath!.split('/').pop()!)!.defaultRoute).toBeUndefined();
    // `default` is what the docker CLI sends as NetworkMode: the default bridge.
    const both = await net.createSandbox(request('b2', { mode: on('private', 'default') }));
    expect(both.endpoints.map((e) => e.networkName)).toEqual(['private', 'bridge']);
    expect(host.netns(both.netnsPath!.split('/').pop()!)!.defaultRoute).toEqual({
      via: '10.210.0.1',
      dev: 'eth1',
    });
  });

  it('refuses to remove a network with containers, then removes it and its bridge', async () => {
    const net = await manager();
    const app = await net.createNetwork({ name: 'app' });
    await net.createSandbox(request('c1', { containerName: 'busy', mode: on('app') }));
    await expect(net.removeNetwork('app')).rejects.toThrow(/has active endpoints \(busy\)/);
    await expect(net.removeNetwork('bridge')).rejects.toThrow(/pre-defined network/);
    await net.releaseSandbox('c1');
    await net.releaseSandbox('c1');
    await net.removeNetwork(app.id.slice(0, 6));
    await net.settle();
    expect(host.links.has(app.bridge)).toBe(false);
    expect([...host.links.values()].filter((l) => l.master)).toEqual([]);
    expect(host.namespaces.size).toBe(0);
    expect(await readdir(path.join(dir, 'state', 'sandboxes'))).toEqual([]);
  });

  it('releases without waiting for the kernel: the network is free at once, the namespace goes in the background', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'quick' });
    await net.createSandbox(request('q1', { containerName: 'quick1', mode: on('quick') }));
    const gate: { open?: () => void } = {};
    const deleteNetns = host.deleteNetns.bind(host);
    host.deleteNetns = async (name) => {
      await new Promise<void>((resolve) => {
        gate.open = resolve;
      });
      await deleteNetns(name);
    };
    await net.releaseSandbox('q1');
    // Released, yet the namespace is still there: its deletion runs in the background.
    expect(host.namespaces.size).toBe(1);
    expect((await net.getNetwork('quick')).containers).toEqual({});
    await net.removeNetwork('quick');
    while (!gate.open) await new Promise((resolve) => setImmediate(resolve));
    expect(host.namespaces.size).toBe(1);
    gate.open();
    await net.settle();
    expect(host.namespaces.size).toBe(0);
    expect(await readdir(path.join(dir, 'state', 'sandboxes'))).toEqual([]);
  });

  it('never lets a network removal and a sandbox on that network both succeed', async () => {
    const net = await manager();
    host.linkDeleteDelayMs = 30; // the bridge outlives its record for a while, as in the kernel
    // Sweep the interleavings: the removal starts 0..11 ms after the sandbox.
    for (let i = 0; i < 12; i++) {
      await net.createNetwork({ name: `race${i}` });
      const [made, removed] = await Promise.allSettled([
        net.createSandbox(request(`race${i}`, { mode: on(`race${i}`) })),
        new Promise((r) => setTimeout(r, i)).then(() => net.removeNetwork(`race${i}`)),
      ]);
      expect(made.status === 'fulfilled' && removed.status === 'fulfilled').toBe(false);
      expect(made.status === 'rejected' || removed.status === 'rejected').toBe(true);
    }
  });

  it('rolls back everything when the kernel refuses part of a sandbox', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'app' });
    host.failWhen = (op) => op.op === 'addr-add';
    await expect(net.createSandbox(request('d1', { mode: on('app', 'bridge') }))).rejects.toThrow(
      /injected failure/,
    );
    await net.settle();
    expect(host.namespaces.size).toBe(0);
    expect([...host.links.values()].filter((l) => l.master)).toEqual([]);
    const leases = await readdir(path.join(dir, 'state', 'leases'), { recursive: true });
    expect(leases.filter((f) => f.includes('.'))).toEqual([]);
    // The same container can try again.
    await net.createSandbox(request('d1', { mode: on('app') }));
  });

  it('rejects unknown networks, duplicate sandboxes and bad sandbox input', async () => {
    const net = await manager();
    await expect(net.createSandbox(request('e1', { mode: on('ghost') }))).rejects.toThrow(
      'network ghost not found',
    );
    await expect(net.createSandbox(request('e1', { extraHosts: ['db:nowhere'] }))).rejects.toThrow(
      /"db:nowhere"/,
    );
    await expect(net.createSandbox(request('e1', { hostname: 'bad host' }))).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(net.createSandbox(request('e1', { dnsSearch: ['a\nnameserver 6.6.6.6'] }))).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(
      net.createSandbox(
        request('e1', { mode: { kind: 'bridge', endpoints: [{ network: 'bridge', aliases: ['x'] }] } }),
      ),
    ).rejects.toThrow(/user defined networks/);
    expect(host.namespaces.size).toBe(0);
    await net.createSandbox(request('e1'));
    await expect(net.createSandbox(request('e1'))).rejects.toThrow(ConflictError);
  });

  it('honours a requested address and refuses one already leased', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'app', subnet: '10.99.0.0/24' });
    const mode = (ip: string) => ({
      kind: 'bridge' as const,
      endpoints: [{ network: 'app', aliases: [], ipv4Address: ip }],
    });
    const sb = await net.createSandbox(request('f1', { mode: mode('10.99.0.50') }));
    expect(sb.endpoints[0]!.ipAddress).toBe('10.99.0.50');
    await expect(net.createSandbox(request('f2', { mode: mode('10.99.0.50') }))).rejects.toThrow(
      /Address already in use: 10.99.0.50/,
    );
    await expect(net.createSandbox(request('f3', { mode: mode('10.98.0.5') }))).rejects.toThrow(
      /not a usable address/,
    );
    // A restart: release, then at once the same fixed address again, while the kernel still
    // tears the old veth down (so the old lease is still held).
    host.netnsTeardownDelayMs = 30;
    await net.releaseSandbox('f1');
    const again = await net.createSandbox(request('f1', { mode: mode('10.99.0.50') }));
    expect(again.endpoints[0]!.ipAddress).toBe('10.99.0.50');
  });

  it('leases distinct addresses to concurrent sandboxes', async () => {
    const net = await manager();
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => net.createSandbox(request(`g${i}`))));
    expect(new Set(made.map((s) => s.endpoints[0]!.ipAddress)).size).toBe(20);
  });

  it('connects and disconnects a running sandbox, moving the default route', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'front' });
    await net.createNetwork({ name: 'back' });
    const sb = await net.createSandbox(request('h1', { mode: on('front') }));
    const ns = host.netns(sb.netnsPath!.split('/').pop()!)!;
    const ep = await net.connect('h1', { network: 'back', aliases: ['api'] });
    expect(ns.links.get('eth1')!.addresses).toEqual([`${ep.ipAddress}/24`]);
    expect(net.getSandbox('h1')!.hosts).toContain(`${ep.ipAddress}\th1\n`);
    await expect(net.connect('h1', { network: 'back', aliases: [] })).rejects.toThrow(
      /already exists in network back/,
    );
    await net.disconnect('h1', 'front');
    expect(ns.links.has('eth0')).toBe(false);
    expect(ns.defaultRoute).toEqual({ via: ep.gateway, dev: 'eth1' });
    await expect(net.disconnect('h1', 'front')).rejects.toThrow(/not connected to network front/);
    await expect(net.connect('nobody', { network: 'back', aliases: [] })).rejects.toThrow(
      SandboxNotFoundError,
    );
    expect(Object.keys((await net.getNetwork('front')).containers)).toEqual([]);
  });

  it('supports none, host and container modes', async () => {
    const net = await manager();
    const none = await net.createSandbox(request('i1', { mode: { kind: 'none' } }));
    const nsNone = host.netns(none.netnsPath!.split('/').pop()!)!;
    expect([...nsNone.links.keys()]).toEqual(['lo']);
    expect(none.endpoints).toEqual([]);
    expect(none.resolvConf).toContain('nameserver 192.0.2.53\n');
    expect(none.resolvConf).not.toContain('127.0.0.53');

    const hostMode = await net.createSandbox(
      request('i2', { mode: { kind: 'host' }, extraHosts: ['me:host-gateway'] }),
    );
    expect(hostMode.netnsPath).toBeUndefined();
    expect(hostMode.hosts).toContain('10.0.0.5 corp-proxy\n');
    expect(hostMode.hosts).toContain('127.0.0.1\tme\n');
    expect(hostMode.hostname).toBe(os.hostname());

    const main = await net.createSandbox(request('i3'));
    const shared = await net.createSandbox(request('i4', { mode: { kind: 'container', containerId: 'i3' } }));
    expect(shared.netnsPath).toBe(main.netnsPath);
    expect(shared.hosts).toBe(main.hosts);
    await expect(
      net.createSandbox(
        request('i5', {
          mode: { kind: 'container', containerId: 'i3' },
          ports: [{ containerPort: 1, protocol: 'tcp', hostIp: '', hostPort: 0 }],
        }),
      ),
    ).rejects.toThrow(/port publishing/);
    await expect(
      net.createSandbox(request('i6', { mode: { kind: 'container', containerId: 'ghost' } })),
    ).rejects.toThrow(SandboxNotFoundError);
  });

  it('lists with Docker filters and prunes unused custom networks', async () => {
    const net = await manager();
    await net.createNetwork({ name: 'keep', labels: { session: 's1' } });
    await net.createNetwork({ name: 'drop', labels: { session: 's2' } });
    await net.createNetwork({ name: 'busy', labels: { session: 's2' } });
    await net.createSandbox(request('j1', { mode: on('busy') }));
    expect((await net.listNetworks({ label: ['session=s2'] })).map((n) => n.name).sort()).toEqual([
      'busy',
      'drop',
    ]);
    expect(
      (await net.listNetworks({ type: ['custom'], dangling: ['true'] })).map((n) => n.name).sort(),
    ).toEqual(['drop', 'keep']);
    await expect(net.listNetworks({ bogus: ['1'] })).rejects.toThrow("invalid filter 'bogus'");
    expect(await net.pruneNetworks({ label: ['session=s2'] })).toEqual(['drop']);
    expect((await net.listNetworks()).map((n) => n.name).sort()).toEqual([
      'bridge',
      'busy',
      'host',
      'keep',
      'none',
    ]);
  });

  it('after a crash, removes only what its own engine left behind', async () => {
    const first = await manager();
    await first.createNetwork({ name: 'app' });
    await first.createSandbox(request('k1', { mode: on('app') }));
    await first.createSandbox(request('k2'));
    const engineId = first.engineId;
    // Another engine's objects on the same kernel.
    host.namespaces.set('skf-0ther0ne-abc-1234', { links: new Map(), defaultRoute: undefined });
    host.links.set('skf-f0f0f0f0', {
      alias: 'skiff:0ther0ne:net:f0f0',
      master: undefined,
      addresses: [],
      up: true,
    });
    // The engine process dies: its records now name a process that no longer exists.
    managers.splice(0);
    const sandboxDir = path.join(dir, 'state', 'sandboxes');
    for (const f of await readdir(sandboxDir)) {
      const record = JSON.parse(await readFile(path.join(sandboxDir, f), 'utf8'));
      record.owner = { pid: 2 ** 22 + 1, startTime: 1 };
      await writeFile(path.join(sandboxDir, f), JSON.stringify(record));
    }
    // A stray namespace and veth from a crash between kernel work and the record write.
    host.namespaces.set(`skf-${engineId}-stray-0000`, { links: new Map(), defaultRoute: undefined });
    host.links.set('skv000000000000', {
      alias: `skiff:${engineId}:ep:zz`,
      master: undefined,
      addresses: [],
      up: true,
    });

    const restarted = await manager();
    expect(restarted.engineId).toBe(engineId);
    expect(restarted.recovery).toMatchObject({ sandboxes: 2 });
    expect([...host.namespaces.keys()]).toEqual(['skf-0ther0ne-abc-1234']);
    expect(host.links.has('skf-f0f0f0f0')).toBe(true);
    expect(host.links.has('skv000000000000')).toBe(false);
    expect([...host.links.values()].filter((l) => l.master)).toEqual([]);
    expect((await restarted.getNetwork('app')).containers).toEqual({});
    const again = await restarted.createSandbox(request('k3', { mode: on('app') }));
    expect(again.endpoints[0]!.ipAddress).toBe('10.210.1.2');
  });

  it('adds isolation rules only when the kernel forwards, and NAT rules only when asked', async () => {
    await manager();
    expect(host.iptablesRestores).toEqual([]);
    host.sysctls.set('net.ipv4.ip_forward', '1');
    const net = await manager({ stateDir: path.join(dir, 'state-2') });
    expect(host.iptablesRestores.map((r) => r.rules)).toEqual([
      expect.stringContaining('-A SKIFF-ISOLATION -i skf-+ -j REJECT'),
    ]);
    expect(host.iptablesCalls).toContainEqual(['-A', 'FORWARD', '-j', 'SKIFF-ISOLATION']);
    host.sysctls.set('net.ipv4.ip_forward', '0');
    host.iptablesRestores.length = 0;
    const nat = await manager({ stateDir: path.join(dir, 'state-3'), outboundNat: true });
    const open = await nat.createNetwork({ name: 'open' });
    await nat.createNetwork({ name: 'closed', internal: true });
    expect(host.sysctls.get('net.ipv4.ip_forward')).toBe('1');
    const natRules = host.iptablesRestores.filter((r) => r.table === 'nat').at(-1)!.rules;
    expect(natRules).toContain(`-A SKF-${nat.engineId} -s ${open.subnet} ! -o ${open.bridge} -j MASQUERADE`);
    expect(natRules.match(/MASQUERADE/g)).toHaveLength(2); // default bridge and 'open', not 'closed'
    expect(net).toBeDefined();
  });
});
