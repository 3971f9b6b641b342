import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspectWire } from '../../src/api/wire/container-wire.js';
import {
  eventually,
  importBusybox,
  type KernelObjects,
  kernelObjectsOf,
  listeningSockets,
  netEngineId,
  V,
} from './network-helpers.js';

/** A UDP echo server: node from the host, its libraries bind-mounted read-only into busybox. */
const UDP_ECHO =
  "require('dgram').createSocket('udp4').on('message',function(m,r){this.send('echo:'+m,r.port,r.address)}).bind(5353)";
const NODE_IN_BUSYBOX = [
  '-v',
  '/usr/lib:/lib:ro',
  '-v',
  '/usr/lib64:/lib64:ro',
  '-v',
  `${process.execPath}:/node:ro`,
  '-e',
  'LD_LIBRARY_PATH=/lib/x86_64-linux-gnu',
];

function udpRoundTrip(host: string, port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${host}:${port}`));
    }, 500);
    socket.once('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m.toString());
    });
    socket.send(message, port, host);
  });
}

async function httpGet(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/hostname`);
  return res.text();
}

describe('containers on Skiff networks (issue 3, through the engine and the skiff CLI)', () => {
  const h = new SkiffdHarness();
  const suffix = randomBytes(3).toString('hex');
  const name = (n: string) => `${n}-${suffix}`;
  let engineId = '';
  let baseline: { kernel: KernelObjects; sockets: string[] };
  let hostServer: Server;
  let hostPort = 0;

  const skiff = async (args: string[], input?: string) => {
    const r = await h.skiff(args, input === undefined ? {} : { input });
    return r;
  };
  const ok = async (args: string[]) => {
    const r = await skiff(args);
    expect(r.code, `skiff ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const inspect = async (ref: string) =>
    (await h.http('GET', `${V}/containers/${ref}/json`)).json<ContainerInspectWire>();
  const daemonPid = () => h.daemon?.pid ?? 0;
  const snapshot = async () => ({
    kernel: await kernelObjectsOf(engineId),
    sockets: await listeningSockets(daemonPid()),
  });

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await importBusybox(h);
    engineId = await netEngineId(h);
    baseline = await snapshot();
    hostServer = createServer((_req, res) => res.end('hello from the test process'));
    await new Promise<void>((resolve) => hostServer.listen(0, '0.0.0.0', resolve));
    hostPort = (hostServer.address() as AddressInfo).port;
  }, 180_000);

  afterAll(async () => {
    hostServer?.close();
    await h.cleanup();
  });

  it('starts with only the default bridge and its resolver', () => {
    expect(baseline.kernel.links).toHaveLength(1);
    expect(baseline.kernel.netns).toEqual([]);
    expect(baseline.sockets.every((s) => s.endsWith(':53'))).toBe(true);
  });

  it('lets two containers on one network reach each other by name and alias over TCP', async () => {
    const net = name('app');
    await ok(['network', 'create', net]);
    await ok([
      'run',
      '-d',
      '--name',
      name('srv'),
      '--network',
      net,
      '--network-alias',
      'api',
      'busybox',
      'sh',
      '-c',
      'while true; do echo pong | nc -l -p 7000; done',
    ]);
    const script = `for host in ${name('srv')} api; do echo | nc -w 2 $host 7000 || exit 1; done`;
    const out = await eventually(async () => {
      const r = await skiff(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', script]);
      if (r.code !== 0) throw new Error(`client failed: ${r.stdout}${r.stderr}`);
      return r.stdout;
    }, 20);
    expect(out).toBe('pong\npong\n');
  });

  it('keeps containers on two networks apart: no name, no route', async () => {
    const other = name('other');
    await ok(['network', 'create', other]);
    const target = (await inspect(name('srv'))).NetworkSettings.Networks[name('app')]?.IPAddress ?? '';
    expect(target).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const r = await skiff([
      'run',
      '--rm',
      '--network',
      other,
      'busybox',
      'sh',
      '-c',
      `nslookup ${name('srv')} >/dev/null 2>&1 && echo resolved; echo | nc -w 2 ${target} 7000 && echo reached; echo done`,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('done\n');
  });

  it('publishes a TCP and a UDP port on 127.0.0.1 (and ::1), shown by skiff port', async () => {
    const web = name('web');
    await ok(['run', '-d', '--name', web, '-p', '80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const echo = name('echo');
    await ok([
      'run',
      '-d',
      '--name',
      echo,
      '-p',
      '5353/udp',
      ...NODE_IN_BUSYBOX,
      'busybox',
      '/node',
      '-e',
      UDP_ECHO,
    ]);
    const tcpLines = (await ok(['port', web, '80'])).trim().split('\n');
    expect(tcpLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        expect.stringMatching(/^\[::1\]:\d+$/),
      ]),
    );
    const tcpPort = Number(tcpLines[0]?.split(':').pop());
    expect(await eventually(() => httpGet('127.0.0.1', tcpPort))).toBe(
      `${(await inspect(web)).Config.Hostname}\n`,
    );
    expect(await httpGet('::1', tcpPort)).toBe(`${(await inspect(web)).Config.Hostname}\n`);
    expect(await ok(['port', web])).toContain(`80/tcp -> 127.0.0.1:${tcpPort}\n`);

    const udpLine = (await ok(['port', echo, '5353/udp'])).split('\n')[0] ?? '';
    expect(udpLine).toMatch(/^127\.0\.0\.1:\d+$/);
    const udpPort = Number(udpLine.split(':')[1]);
    expect(await eventually(() => udpRoundTrip('127.0.0.1', udpPort, 'ping'))).toBe('echo:ping');
    expect(await udpRoundTrip('::1', udpPort, 'ping6')).toBe('echo:ping6');
    const sockets = await listeningSockets(daemonPid());
    expect(sockets).toEqual(expect.arrayContaining([`tcp 127.0.0.1:${tcpPort}`, `udp 127.0.0.1:${udpPort}`]));

    // An address asked for is the only one bound: 0.0.0.0 answers on loopback too.
    const wide = name('wide');
    await ok([
      'run',
      '-d',
      '--name',
      wide,
      '-p',
      '0.0.0.0::80',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/etc',
    ]);
    const wideLine = (await ok(['port', wide, '80'])).trim();
    expect(wideLine).toMatch(/^0\.0\.0\.0:\d+$/);
    const widePort = Number(wideLine.split(':')[1]);
    expect(await eventually(() => httpGet('127.0.0.1', widePort))).toBe(
      `${(await inspect(wide)).Config.Hostname}\n`,
    );
    expect((await inspect(wide)).NetworkSettings.Ports['80/tcp']).toEqual([
      { HostIp: '0.0.0.0', HostPort: String(widePort) },
    ]);

    const missing = await skiff(['port', web, '81']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No public port '81/tcp' published for ${web}`);
  });

  it('lets a container reach a server of the test process as host.skiff.internal (and the other host names)', async () => {
    for (const network of ['bridge', name('app')]) {
      const r = await skiff([
        'run',
        '--rm',
        '--network',
        network,
        'busybox',
        'sh',
        '-c',
        `for n in host.skiff.internal host.docker.internal host.testcontainers.internal; do timeout 5 wget -q -O - http://$n:${hostPort}/ && echo; done`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hello from the test process\n'.repeat(3));
    }
    const gateway = JSON.parse(
      await ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', name('app')]),
    )[0].Gateway;
    const hosts = await ok([
      'run',
      '--rm',
      '--network',
      name('app'),
      '--add-host',
      'gw:host-gateway',
      '--add-host',
      'db.local:10.1.2.3',
      'busybox',
      'cat',
      '/etc/hosts',
    ]);
    expect(hosts).toContain(`${gateway}\tgw\n`);
    expect(hosts).toContain('10.1.2.3\tdb.local\n');
  });

  it('runs with --network none, host and container:<name>, a fixed --ip, --dns and -P', async () => {
    expect(
      await ok([
        'run',
        '--rm',
        '--network',
        'none',
        '--dns',
        '10.9.9.9',
        'busybox',
        'cat',
        '/etc/resolv.conf',
      ]),
    ).toContain('nameserver 10.9.9.9\n');
    const all = name('all');
    await ok([
      'run',
      '-d',
      '--name',
      all,
      '-P',
      '--expose',
      '8080',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      '/etc',
    ]);
    const published = (await ok(['port', all, '8080'])).split('\n')[0] ?? '';
    expect(published).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await eventually(() => httpGet('127.0.0.1', Number(published.split(':')[1])))).toBe(
      `${(await inspect(all)).Config.Hostname}\n`,
    );
    expect(
      await ok([
        'run',
        '--rm',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'ls /sys/class/net | sort | tr "\\n" " "',
      ]),
    ).toBe('lo ');
    const hostLinks = await ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']);
    expect(hostLinks.split('\n')).toContain('lo');
    expect(hostLinks.split('\n').length).toBeGreaterThan(3);
    const shared = await ok([
      'run',
      '--rm',
      '--network',
      `container:${name('srv')}`,
      'busybox',
      'sh',
      '-c',
      'echo | nc -w 2 127.0.0.1 7000',
    ]);
    expect(shared).toBe('pong\n');
    const third = 100 + Math.floor(Math.random() * 150);
    const fixed = name('fixed');
    await ok([
      'network',
      'create',
      '--subnet',
      `10.214.${third}.0/24`,
      '--gateway',
      `10.214.${third}.254`,
      fixed,
    ]);
    const addr = await ok([
      'run',
      '--rm',
      '--network',
      fixed,
      '--ip',
      `10.214.${third}.77`,
      'busybox',
      'sh',
      '-c',
      'ip -o -4 addr show eth0',
    ]);
    expect(addr).toContain(`10.214.${third}.77/24`);
    await ok(['network', 'rm', fixed]);
  });

  it('manages networks with the skiff network verbs', async () => {
    const net = name('verbs');
    const id = (
      await ok(['network', 'create', '--internal', '--label', `run=${suffix}`, '--label', 'kind=test', net])
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok(['network', 'ls', '-q', '--filter', `label=run=${suffix}`])).toBe(`${id.slice(0, 12)}\n`);
    const table = await ok(['network', 'ls', '--filter', 'label=kind=test']);
    expect(table).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    expect(table).toContain(`${id.slice(0, 12)}   ${net}`);
    const [line] = (await ok(['network', 'ls', '--format', 'json', '--filter', `name=${net}`]))
      .trim()
      .split('\n');
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      Name: net,
      Driver: 'bridge',
      Internal: 'true',
      Scope: 'local',
    });
    const [inspected] = JSON.parse(await ok(['network', 'inspect', net])) as {
      Labels: Record<string, string>;
    }[];
    expect(inspected?.Labels).toEqual({ run: suffix, kind: 'test' });
    expect(await ok(['inspect', '--type', 'network', '-f', '{{.Internal}}', net])).toBe('true\n');

    await ok(['network', 'connect', '--alias', 'cache', net, name('srv')]);
    expect((await inspect(name('srv'))).NetworkSettings.Networks[net]?.Aliases).toEqual(['cache']);
    const busy = await skiff(['network', 'rm', net]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`network ${net}`);
    await ok(['network', 'disconnect', net, name('srv')]);
    expect((await skiff(['network', 'disconnect', net, name('srv')])).code).toBe(1);
    await ok(['network', 'disconnect', '-f', net, name('srv')]);

    // prune asks first; "n" (or no answer) keeps everything.
    const declined = await skiff(['network', 'prune', '--filter', `label=run=${suffix}`], 'n\n');
    expect(declined.stdout).toContain('Are you sure you want to continue? [y/N]');
    expect((await skiff(['network', 'inspect', net])).code).toBe(0);
    expect(await ok(['network', 'prune', '-f', '--filter', `label=run=${suffix}`])).toBe(
      `Deleted Networks:\n${net}\n`,
    );
    const gone = await skiff(['network', 'inspect', net]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`No such network: ${net}`);
  });

  it('refuses bad input with errors naming the value and leaves nothing half-created', async () => {
    const before = await ok(['network', 'ls', '-q', '--no-trunc']);
    const dup = await skiff(['network', 'create', name('app')]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe(`Error response from daemon: network with name ${name('app')} already exists\n`);
    const appSubnet = JSON.parse(
      await ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', name('app')]),
    )[0].Subnet;
    const overlap = await skiff(['network', 'create', '--subnet', appSubnet, name('overlap')]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain(`subnet ${appSubnet} overlaps`);
    const malformed = await skiff(['network', 'create', '--subnet', '10.0.0.0/33', name('malformed')]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('10.0.0.0/33');
    expect(await ok(['network', 'ls', '-q', '--no-trunc'])).toBe(before);

    const unknown = await skiff([
      'run',
      '--name',
      name('lost'),
      '--network',
      name('nowhere'),
      'busybox',
      'true',
    ]);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toContain(`network ${name('nowhere')} not found`);
    const taken = (await ok(['port', name('web'), '80'])).split('\n')[0] ?? '';
    const takenPort = taken.split(':')[1] ?? '';
    const clash = await skiff([
      'run',
      '-d',
      '--name',
      name('clash'),
      '-p',
      `127.0.0.1:${takenPort}:80`,
      'busybox',
      'httpd',
      '-f',
    ]);
    expect(clash.code).toBe(125);
    expect(clash.stderr).toContain(`127.0.0.1:${takenPort}`);
    expect(clash.stderr).toContain('already allocated');
    const alias = await skiff(['run', '--rm', '--network-alias', 'x', 'busybox', 'true']);
    expect(alias.code).toBe(125);
    expect(alias.stderr).toContain('user defined networks');
    const names = await ok(['ps', '-a', '--format', 'json']);
    expect(names).not.toContain(name('lost'));
    expect(names).not.toContain(name('clash'));
  });

  it('leaves nothing behind once the containers and networks are removed', async () => {
    expect((await kernelObjectsOf(engineId)).netns.length).toBeGreaterThan(0);
    const ids = (await ok(['ps', '-a', '-q'])).trim().split('\n').filter(Boolean);
    await ok(['rm', '-f', ...ids]);
    await ok(['network', 'rm', name('app'), name('other')]);
    await eventually(async () => {
      expect(await snapshot()).toEqual(baseline);
    }, 50);
  });

  it('cleans up after a SIGKILL of the engine when it starts again', async () => {
    const net = name('crash');
    await ok(['network', 'create', net]);
    await ok([
      'run',
      '-d',
      '--name',
      name('c1'),
      '--network',
      net,
      '-p',
      '80',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
    ]);
    await ok(['run', '-d', '--name', name('c2'), '-p', '5353/udp', 'busybox', 'sleep', '300']);
    const published = Number(((await ok(['port', name('c1'), '80'])).split('\n')[0] ?? '').split(':')[1]);
    const during = await kernelObjectsOf(engineId);
    expect(during.netns).toHaveLength(2);
    // Two bridges (default and crash), one veth per container.
    expect(during.links.length).toBe(4);

    const daemon = h.daemon;
    const exited = new Promise((r) => daemon?.once('exit', r));
    daemon?.kill('SIGKILL');
    await exited;
    const orphaned = await kernelObjectsOf(engineId);
    expect(orphaned.netns).toHaveLength(2);

    await h.start();
    // Recovery removed the namespaces and veths of the dead engine's containers; the networks stay.
    const recovered = await kernelObjectsOf(engineId);
    expect(recovered.netns).toEqual([]);
    expect(recovered.links).toHaveLength(2);
    expect(recovered.links).toEqual(expect.arrayContaining(baseline.kernel.links));
    expect((await inspect(name('c1'))).State.Running).toBe(false);
    await expect(fetch(`http://127.0.0.1:${published}/`)).rejects.toThrow();
    // The restarted engine serves its recovered networks: resolver back, containers start again.
    await ok(['start', name('c1')]);
    expect((await inspect(name('c1'))).NetworkSettings.Networks[net]?.IPAddress).toMatch(/^\d+\./);
    await ok(['rm', '-f', name('c1'), name('c2')]);
    await ok(['network', 'rm', net]);
    await eventually(async () => {
      expect(await snapshot()).toEqual(baseline);
    }, 50);

    // An ephemeral engine's shutdown removes its networks, the default bridge included.
    expect(await h.stop()).toBe(0);
    expect(await kernelObjectsOf(engineId)).toEqual({ links: [], netns: [] });
  });
});
