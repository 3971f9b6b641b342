import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspectWire, ContainerSummaryWire } from '../../src/api/wire/container-wire.js';
import type { NetworkWire } from '../../src/api/wire/network-mapper.js';
import { eventually, importBusybox, jsonBody, V } from './network-helpers.js';

const run = promisify(execFile);

/** A third octet no other test on this machine is likely to pick (10.213.x.0/24). */
const octet = () => 100 + Math.floor(Math.random() * 150);

describe('the /networks API of a real skiffd', () => {
  const h = new SkiffdHarness();
  const suffix = randomBytes(3).toString('hex');
  const name = (n: string) => `${n}-${suffix}`;

  const createNetwork = async (body: Record<string, unknown>) => {
    const r = await h.http('POST', `${V}/networks/create`, jsonBody(body));
    expect(r.status, r.body.toString()).toBe(201);
    const reply = r.json<{ Id: string; Warning: string }>();
    expect(reply.Warning).toBe('');
    return reply.Id;
  };
  const inspectNetwork = async (ref: string) => {
    const r = await h.http('GET', `${V}/networks/${ref}`);
    expect(r.status, r.body.toString()).toBe(200);
    return r.json<NetworkWire>();
  };
  const createContainer = async (body: Record<string, unknown>, containerName?: string) => {
    const q = containerName ? `?name=${containerName}` : '';
    const r = await h.http('POST', `${V}/containers/create${q}`, jsonBody({ Image: 'busybox', ...body }));
    expect(r.status, r.body.toString()).toBe(201);
    return r.json<{ Id: string }>().Id;
  };
  const inspectContainer = async (id: string) =>
    (await h.http('GET', `${V}/containers/${id}/json`)).json<ContainerInspectWire>();
  const exec = (container: string, script: string) => h.skiff(['exec', container, 'sh', '-c', script]);
  const docker = (args: string[]) =>
    run('docker', args, { env: { ...process.env, DOCKER_HOST: h.env.SKIFF_HOST ?? '' } });

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await importBusybox(h);
  }, 180_000);

  afterAll(async () => {
    await h.cleanup();
  });

  it('answers GET /networks/bridge with a gateway, as testcontainers reads it under /.dockerenv', async () => {
    const bridge = await inspectNetwork('bridge');
    expect(bridge).toMatchObject({ Name: 'bridge', Driver: 'bridge', Scope: 'local', Internal: false });
    const [config] = bridge.IPAM.Config;
    expect(config?.Subnet).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
    expect(config?.Gateway).toMatch(/^\d+\.\d+\.\d+\.1$/);
    const list = (await h.http('GET', `${V}/networks`)).json<NetworkWire[]>();
    expect(list.map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
    expect(list.find((n) => n.Name === 'host')?.IPAM.Config).toEqual([]);
  });

  it('creates networks from the docker CLI and dockerode bodies, with inspect in Docker shape', async () => {
    const third = octet();
    const cliName = name('cli');
    const cliId = await createNetwork({
      Name: cliName,
      Driver: 'bridge',
      Scope: '',
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [{ Subnet: `10.213.${third}.0/24`, Gateway: `10.213.${third}.254` }],
      },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      ConfigFrom: null,
      Options: {},
      Labels: { team: 'net', run: suffix },
    });
    expect(cliId).toMatch(/^[0-9a-f]{64}$/);
    const dockerodeId = await createNetwork({
      Name: name('dockerode'),
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: false,
      Attachable: false,
      Ingress: false,
      EnableIPv6: false,
      Labels: { run: suffix },
    });
    const inspected = await inspectNetwork(cliName);
    expect(inspected).toEqual({
      Name: cliName,
      Id: cliId,
      Created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: null,
        Config: [{ Subnet: `10.213.${third}.0/24`, Gateway: `10.213.${third}.254` }],
      },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {},
      Options: {},
      Labels: { team: 'net', run: suffix },
    });
    // By ID and ID prefix too.
    expect((await inspectNetwork(cliId)).Name).toBe(cliName);
    expect((await inspectNetwork(cliId.slice(0, 12))).Name).toBe(cliName);

    const filtered = async (filters: Record<string, string[]>) => {
      const q = encodeURIComponent(JSON.stringify(filters));
      const r = await h.http('GET', `${V}/networks?filters=${q}`);
      expect(r.status, r.body.toString()).toBe(200);
      return r
        .json<NetworkWire[]>()
        .map((n) => n.Name)
        .sort();
    };
    expect(await filtered({ label: [`run=${suffix}`] })).toEqual([cliName, name('dockerode')].sort());
    expect(await filtered({ label: ['team=net'] })).toEqual([cliName]);
    expect(await filtered({ name: ['dockerode'] })).toEqual([name('dockerode')]);
    expect(await filtered({ id: [dockerodeId.slice(0, 10)] })).toEqual([name('dockerode')]);
    expect(await filtered({ type: ['builtin'] })).toEqual(['bridge', 'host', 'none']);
    expect(await filtered({ driver: ['null'] })).toEqual(['none']);
    expect(await filtered({ dangling: ['true'], label: [`run=${suffix}`] })).toEqual(
      [cliName, name('dockerode')].sort(),
    );
    expect(
      (await h.http('GET', `${V}/networks?filters=${encodeURIComponent('{"color":["red"]}')}`)).status,
    ).toBe(400);
    // Go clients send filters as maps of booleans.
    const goStyle = encodeURIComponent(JSON.stringify({ label: { 'team=net': true } }));
    expect(
      (await h.http('GET', `${V}/networks?filters=${goStyle}`)).json<NetworkWire[]>().map((n) => n.Name),
    ).toEqual([cliName]);

    for (const ref of [cliName, dockerodeId]) {
      expect((await h.http('DELETE', `${V}/networks/${ref}`)).status).toBe(204);
    }
    expect((await h.http('GET', `${V}/networks/${cliName}`)).status).toBe(404);
  });

  it('refuses a used name (409), bad and overlapping subnets (400, naming them), built-ins (403), unknown (404)', async () => {
    const netName = name('dup');
    const third = octet();
    await createNetwork({ Name: netName, IPAM: { Config: [{ Subnet: `10.213.${third}.0/24` }] } });
    const errorOf = async (method: string, p: string, body?: unknown) => {
      const r = await h.http(method, `${V}${p}`, body === undefined ? {} : jsonBody(body));
      return { status: r.status, message: r.json<{ message: string }>().message };
    };
    expect(await errorOf('POST', '/networks/create', { Name: netName, CheckDuplicate: true })).toEqual({
      status: 409,
      message: `network with name ${netName} already exists`,
    });
    const overlap = await errorOf('POST', '/networks/create', {
      Name: name('overlap'),
      IPAM: { Config: [{ Subnet: `10.213.${third}.128/25` }] },
    });
    expect(overlap.status).toBe(400);
    expect(overlap.message).toContain(`10.213.${third}.128/25`);
    expect(overlap.message).toContain(`10.213.${third}.0/24`);
    const malformed = await errorOf('POST', '/networks/create', {
      Name: name('bad'),
      IPAM: { Config: [{ Subnet: '10.300.0.0/24' }] },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.message).toContain('10.300.0.0/24');
    const gateway = await errorOf('POST', '/networks/create', {
      Name: name('gw'),
      IPAM: { Config: [{ Subnet: '10.213.7.0/24', Gateway: '10.99.0.1' }] },
    });
    expect(gateway.status).toBe(400);
    expect(gateway.message).toContain('10.99.0.1');
    expect((await errorOf('POST', '/networks/create', { Name: 'bad name!' })).status).toBe(400);
    expect((await errorOf('POST', '/networks/create', { Name: name('ov'), Driver: 'overlay' })).status).toBe(
      400,
    );
    expect(await errorOf('DELETE', '/networks/bridge')).toEqual({
      status: 403,
      message: 'bridge is a pre-defined network and cannot be removed',
    });
    expect((await errorOf('DELETE', '/networks/none')).status).toBe(403);
    expect(await errorOf('DELETE', `/networks/${name('nope')}`)).toEqual({
      status: 404,
      message: `network ${name('nope')} not found`,
    });
    expect((await errorOf('POST', `/networks/${name('nope')}/connect`, { Container: 'x' })).status).toBe(404);
    // Nothing half-made: the refused creates left no network behind.
    const names = (await h.http('GET', `${V}/networks`)).json<NetworkWire[]>().map((n) => n.Name);
    expect(names.filter((n) => n.endsWith(suffix))).toEqual([netName]);
    expect((await h.http('DELETE', `${V}/networks/${netName}`)).status).toBe(204);
  });

  it('connects a created container with aliases before its start (the testcontainers order)', async () => {
    const netName = name('tc');
    const netId = await createNetwork({ Name: netName, CheckDuplicate: true, Driver: 'bridge', Labels: {} });
    const server = await createContainer(
      {
        Cmd: ['httpd', '-f', '-p', '80', '-h', '/etc'],
        ExposedPorts: { '80/tcp': {} },
        HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '0' }] } },
      },
      name('server'),
    );
    const connect = await h.http(
      'POST',
      `${V}/networks/${netName}/connect`,
      jsonBody({ Container: server, EndpointConfig: { Aliases: ['web', 'www'] } }),
    );
    expect(connect.status, connect.body.toString()).toBe(200);
    // Twice is a conflict, and so is an alias on the default bridge.
    const again = await h.http('POST', `${V}/networks/${netName}/connect`, jsonBody({ Container: server }));
    expect(again.status).toBe(409);
    const onBridge = await h.http(
      'POST',
      `${V}/networks/bridge/connect`,
      jsonBody({ Container: server, EndpointConfig: { Aliases: ['x'] } }),
    );
    expect(onBridge.status).toBe(400);

    const created = await inspectContainer(server);
    expect(Object.keys(created.NetworkSettings.Networks).sort()).toEqual(['bridge', netName].sort());
    expect(created.NetworkSettings.Networks[netName]).toMatchObject({
      Aliases: ['web', 'www'],
      IPAddress: '',
    });
    expect(created.NetworkSettings.Ports).toEqual({});

    expect((await h.http('POST', `${V}/containers/${server}/start`)).status).toBe(204);
    const running = await inspectContainer(server);
    const settings = running.NetworkSettings;
    const onNet = settings.Networks[netName];
    const onDefault = settings.Networks.bridge;
    expect(onNet).toMatchObject({ NetworkID: netId, Aliases: ['web', 'www'], IPPrefixLen: 24 });
    expect(onNet?.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(onNet?.EndpointID).toMatch(/^[0-9a-f]{64}$/);
    expect(onNet?.MacAddress).toMatch(/^02:42:/);
    expect(onNet?.Gateway).toBe((await inspectNetwork(netName)).IPAM.Config[0]?.Gateway);
    // The top-level fields are the default bridge's (moby), never another network's.
    expect(settings.IPAddress).toBe(onDefault?.IPAddress);
    expect(settings.Gateway).toBe((await inspectNetwork('bridge')).IPAM.Config[0]?.Gateway);
    expect(running.HostConfig.NetworkMode).toBe('bridge');
    const bindings = settings.Ports['80/tcp'] ?? [];
    expect(bindings.map((b) => b.HostIp)).toEqual(expect.arrayContaining(['127.0.0.1', '::1']));
    expect(new Set(bindings.map((b) => b.HostPort)).size).toBe(1);
    expect(bindings[0]?.HostPort).toMatch(/^\d+$/);

    const network = await inspectNetwork(netName);
    expect(network.Containers[server]).toEqual({
      Name: name('server'),
      EndpointID: onNet?.EndpointID,
      MacAddress: onNet?.MacAddress,
      IPv4Address: `${onNet?.IPAddress}/24`,
      IPv6Address: '',
    });
    const q = encodeURIComponent(JSON.stringify({ name: [name('server')] }));
    const [summary] = (await h.http('GET', `${V}/containers/json?filters=${q}`)).json<
      ContainerSummaryWire[]
    >();
    expect(summary?.HostConfig.NetworkMode).toBe('bridge');
    expect(summary?.NetworkSettings.Networks[netName]?.IPAddress).toBe(onNet?.IPAddress);
    expect(summary?.Ports).toEqual(
      expect.arrayContaining([
        { IP: '127.0.0.1', PrivatePort: 80, PublicPort: Number(bindings[0]?.HostPort), Type: 'tcp' },
      ]),
    );

    // A client on the network reaches it by both aliases.
    const client = await createContainer({ Cmd: ['sleep', '300'], HostConfig: { NetworkMode: netName } });
    expect((await h.http('POST', `${V}/containers/${client}/start`)).status).toBe(204);
    const fetched = await eventually(async () => {
      const r = await exec(
        client,
        'timeout 5 wget -q -O - http://web/hostname && timeout 5 wget -q -O - http://www/hostname',
      );
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    });
    expect(fetched).toBe(`${server.slice(0, 12)}\n${server.slice(0, 12)}\n`);

    // A network with endpoints cannot go; dangling reflects them.
    const busy = await h.http('DELETE', `${V}/networks/${netName}`);
    expect(busy.status).toBe(409);
    expect(busy.json<{ message: string }>().message).toContain(name('server'));
    for (const id of [server, client]) {
      expect((await h.http('DELETE', `${V}/containers/${id}?force=1`)).status).toBe(204);
    }
    expect((await h.http('DELETE', `${V}/networks/${netName}`)).status).toBe(204);
  });

  it('connects and disconnects a running container, rewriting its /etc/hosts', async () => {
    const netName = name('live');
    await createNetwork({ Name: netName });
    const id = await createContainer({ Cmd: ['sleep', '300'] }, name('live'));
    expect((await h.http('POST', `${V}/containers/${id}/start`)).status).toBe(204);
    const hostsBefore = (await exec(id, 'cat /etc/hosts')).stdout;
    const connect = await h.http(
      'POST',
      `${V}/networks/${netName}/connect`,
      jsonBody({ Container: name('live'), EndpointConfig: { Aliases: ['late'] } }),
    );
    expect(connect.status, connect.body.toString()).toBe(200);
    const address = (await inspectContainer(id)).NetworkSettings.Networks[netName]?.IPAddress ?? '';
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(hostsBefore).not.toContain(address);
    const hostsAfter = (await exec(id, 'cat /etc/hosts')).stdout;
    expect(hostsAfter).toContain(`${address}\t${id.slice(0, 12)}`);
    expect((await exec(id, `ip -o addr | grep -c ' ${address}/24'`)).stdout.trim()).toBe('1');
    // Its new alias resolves for others on that network.
    const peer = await createContainer({ Cmd: ['sleep', '300'], HostConfig: { NetworkMode: netName } });
    expect((await h.http('POST', `${V}/containers/${peer}/start`)).status).toBe(204);
    const resolved = await eventually(async () => {
      const r = await exec(peer, 'nslookup late');
      if (!r.stdout.includes(address)) throw new Error(r.stdout + r.stderr);
      return r.stdout;
    });
    expect(resolved).toContain(address);

    const disconnect = await h.http(
      'POST',
      `${V}/networks/${netName}/disconnect`,
      jsonBody({ Container: id, Force: false }),
    );
    expect(disconnect.status, disconnect.body.toString()).toBe(200);
    expect((await exec(id, 'cat /etc/hosts')).stdout).not.toContain(address);
    expect((await exec(id, `ip -o addr | grep -c ' ${address}/24' || true`)).stdout.trim()).toBe('0');
    expect(Object.keys((await inspectContainer(id)).NetworkSettings.Networks)).toEqual(['bridge']);
    // Not connected any more: an error, unless forced.
    const twice = await h.http('POST', `${V}/networks/${netName}/disconnect`, jsonBody({ Container: id }));
    expect(twice.status).toBe(409);
    const forced = await h.http(
      'POST',
      `${V}/networks/${netName}/disconnect`,
      jsonBody({ Container: id, Force: true }),
    );
    expect(forced.status).toBe(200);
    for (const c of [id, peer])
      expect((await h.http('DELETE', `${V}/containers/${c}?force=1`)).status).toBe(204);
    expect((await h.http('DELETE', `${V}/networks/${netName}`)).status).toBe(204);
  });

  it('refuses unknown networks at create, naming them, and keeps network modes apart', async () => {
    const bad = await h.http(
      'POST',
      `${V}/containers/create?name=${name('orphan')}`,
      jsonBody({ Image: 'busybox', HostConfig: { NetworkMode: name('missing') } }),
    );
    expect(bad.status).toBe(404);
    expect(bad.json<{ message: string }>().message).toBe(`network ${name('missing')} not found`);
    expect((await h.http('GET', `${V}/containers/${name('orphan')}/json`)).status).toBe(404);
    const none = await createContainer({ Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    const refused = await h.http('POST', `${V}/networks/bridge/connect`, jsonBody({ Container: none }));
    expect(refused.status).toBe(400);
    expect(refused.json<{ message: string }>().message).toContain('none');
    expect((await inspectContainer(none)).HostConfig.NetworkMode).toBe('none');
    expect((await h.http('DELETE', `${V}/containers/${none}`)).status).toBe(204);
  });

  it('prunes unused custom networks only, and publishes network events', async () => {
    const since = Date.now() / 1000;
    const used = name('used');
    const unused = name('unused');
    await createNetwork({ Name: used, Labels: { prune: suffix } });
    await createNetwork({ Name: unused, Labels: { prune: suffix } });
    const c = await createContainer({ Cmd: ['sleep', '300'], HostConfig: { NetworkMode: used } });
    expect((await h.http('POST', `${V}/containers/${c}/start`)).status).toBe(204);
    const q = encodeURIComponent(JSON.stringify({ label: [`prune=${suffix}`] }));
    const pruned = await h.http('POST', `${V}/networks/prune?filters=${q}`);
    expect(pruned.status).toBe(200);
    expect(pruned.json()).toEqual({ NetworksDeleted: [unused] });
    expect((await h.http('GET', `${V}/networks/${used}`)).status).toBe(200);
    expect((await h.http('DELETE', `${V}/containers/${c}?force=1`)).status).toBe(204);
    expect((await h.http('DELETE', `${V}/networks/${used}`)).status).toBe(204);
    const until = Date.now() / 1000 + 1;
    const events = await h.http(
      'GET',
      `${V}/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["network"]}')}`,
    );
    const actions = events.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } })
      .map((e) => `${e.Action} ${e.Actor.Attributes.name}`);
    expect(actions).toEqual([`create ${used}`, `create ${unused}`, `destroy ${unused}`, `destroy ${used}`]);
  });

  it('serves `docker network create/ls/inspect/connect/disconnect/rm` of the real docker CLI', async () => {
    const netName = name('docker');
    const third = octet();
    const { stdout: id } = await docker([
      'network',
      'create',
      '--subnet',
      `10.213.${third}.0/24`,
      '--label',
      'via=docker',
      netName,
    ]);
    expect(id.trim()).toMatch(/^[0-9a-f]{64}$/);
    const { stdout: ls } = await docker([
      'network',
      'ls',
      '--filter',
      'label=via=docker',
      '--format',
      '{{.Name}} {{.Driver}} {{.Scope}}',
    ]);
    expect(ls.trim()).toBe(`${netName} bridge local`);
    const { stdout: subnet } = await docker([
      'network',
      'inspect',
      '-f',
      '{{range .IPAM.Config}}{{.Subnet}}{{end}}',
      netName,
    ]);
    expect(subnet.trim()).toBe(`10.213.${third}.0/24`);
    const c = await createContainer({ Cmd: ['sleep', '300'] }, name('dc'));
    expect((await h.http('POST', `${V}/containers/${c}/start`)).status).toBe(204);
    await docker(['network', 'connect', '--alias', 'db', netName, name('dc')]);
    const { stdout: aliases } = await docker([
      'inspect',
      '-f',
      `{{json (index .NetworkSettings.Networks "${netName}").Aliases}}`,
      name('dc'),
    ]);
    expect(JSON.parse(aliases)).toEqual(['db']);
    await docker(['network', 'disconnect', netName, name('dc')]);
    await docker(['rm', '-f', name('dc')]);
    const { stdout: removed } = await docker(['network', 'rm', netName]);
    expect(removed.trim()).toBe(netName);
    await expect(docker(['network', 'rm', 'bridge'])).rejects.toMatchObject({
      stderr: expect.stringContaining('bridge is a pre-defined network and cannot be removed'),
    });
  });
});
