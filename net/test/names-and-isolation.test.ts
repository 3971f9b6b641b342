import { afterEach, describe, expect, it } from 'vitest';
import { containerId, Harness, sandboxRequest, suffix } from './helpers.js';

describe('containers on bridge networks (real namespaces)', () => {
  const h = new Harness();
  afterEach(() => h.cleanup());

  it('reach each other by name and alias through the embedded DNS, over TCP', async () => {
    const net = await h.manager();
    const name = `app-${suffix()}`;
    await net.createNetwork({ name });
    const dbId = containerId();
    const db = await net.createSandbox(
      sandboxRequest(dbId, {
        containerName: `db-${suffix()}`,
        mode: { kind: 'bridge', endpoints: [{ network: name, aliases: ['database'] }] },
      }),
    );
    const web = await net.createSandbox(
      sandboxRequest(containerId(), {
        containerName: 'web',
        mode: { kind: 'bridge', endpoints: [{ network: name, aliases: [] }] },
      }),
    );
    const dbNs = db.netnsPath!.split('/').pop()!;
    const webNs = web.netnsPath!.split('/').pop()!;
    await h.installEtc(webNs, web);
    await h.httpServer(dbNs, 'hello from db\n');

    const byAlias = await h.wget(webNs, 'http://database/');
    expect(byAlias).toMatchObject({ ok: true, body: 'hello from db\n' });
    const dbName = (await net.getNetwork(name)).containers[dbId]!.name;
    const byName = await h.wget(webNs, `http://${dbName}/`);
    expect(byName.body).toBe('hello from db\n');

    const lookup = await h.exec(webNs, ['busybox', 'nslookup', 'database', web.endpoints[0]!.gateway]);
    expect(lookup.stdout).toContain(db.endpoints[0]!.ipAddress);
    const missing = await h.exec(webNs, [
      'busybox',
      'nslookup',
      `nope-${suffix()}.invalid`,
      web.endpoints[0]!.gateway,
    ]);
    expect(missing.stdout + missing.stderr).toMatch(/NXDOMAIN|can't find|SERVFAIL/);
  });

  it('keeps containers on different networks apart', async () => {
    const net = await h.manager();
    const a = `a-${suffix()}`;
    const b = `b-${suffix()}`;
    await net.createNetwork({ name: a });
    await net.createNetwork({ name: b });
    const server = await net.createSandbox(
      sandboxRequest(containerId(), {
        containerName: `srv-${suffix()}`,
        mode: { kind: 'bridge', endpoints: [{ network: a, aliases: ['srv'] }] },
      }),
    );
    const sameNet = await net.createSandbox(
      sandboxRequest(containerId(), { mode: { kind: 'bridge', endpoints: [{ network: a, aliases: [] }] } }),
    );
    const otherNet = await net.createSandbox(
      sandboxRequest(containerId(), { mode: { kind: 'bridge', endpoints: [{ network: b, aliases: [] }] } }),
    );
    const ns = (s: { netnsPath: string | undefined }) => s.netnsPath!.split('/').pop()!;
    await h.installEtc(ns(otherNet), otherNet);
    await h.httpServer(ns(server), 'secret\n');
    const ip = server.endpoints[0]!.ipAddress;

    // The same probe succeeds from the server's own network, so a failure below is isolation.
    expect((await h.wget(ns(sameNet), `http://${ip}/`)).ok).toBe(true);
    expect((await h.wget(ns(otherNet), `http://${ip}/`, 1, 2)).ok).toBe(false);
    // Names of another network do not resolve either.
    const lookup = await h.exec(ns(otherNet), ['busybox', 'nslookup', 'srv', otherNet.endpoints[0]!.gateway]);
    expect(lookup.stdout).not.toContain(ip);
    // Nor does asking the other network's resolver directly (its gateway is a host address).
    const foreign = await h.exec(ns(otherNet), ['busybox', 'nslookup', 'srv', server.endpoints[0]!.gateway]);
    expect(foreign.stdout).not.toContain(ip);
    expect(foreign.stdout + foreign.stderr).toMatch(/REFUSED|can't find|connection refused|timed out/i);
  });
  it('connects a running container to another network and disconnects it again', async () => {
    const net = await h.manager();
    const front = `front-${suffix()}`;
    const back = `back-${suffix()}`;
    await net.createNetwork({ name: front });
    await net.createNetwork({ name: back });
    const api = await net.createSandbox(
      sandboxRequest(containerId(), {
        mode: { kind: 'bridge', endpoints: [{ network: back, aliases: ['api'] }] },
      }),
    );
    const webId = containerId();
    const web = await net.createSandbox(
      sandboxRequest(webId, { mode: { kind: 'bridge', endpoints: [{ network: front, aliases: [] }] } }),
    );
    const ns = (s: { netnsPath: string | undefined }) => s.netnsPath!.split('/').pop()!;
    await h.installEtc(ns(web), web);
    await h.httpServer(ns(api), 'api\n');
    expect((await h.wget(ns(web), `http://${api.endpoints[0]!.ipAddress}/`, 1, 2)).ok).toBe(false);

    const ep = await net.connect(webId, { network: back, aliases: ['web'] });
    expect((await h.exec(ns(web), ['ip', '-br', 'addr', 'show', 'eth1'])).stdout).toContain(
      `${ep.ipAddress}/24`,
    );
    // resolv.conf names the first network's resolver; it answers for every network of the container.
    expect(await h.wget(ns(web), 'http://api/')).toMatchObject({ ok: true, body: 'api\n' });
    expect(Object.keys((await net.getNetwork(back)).containers)).toContain(webId);

    await net.disconnect(webId, back);
    expect((await h.exec(ns(web), ['ip', 'link', 'show', 'eth1'])).code).not.toBe(0);
    expect((await h.wget(ns(web), `http://${api.endpoints[0]!.ipAddress}/`, 1, 2)).ok).toBe(false);
    expect(Object.keys((await net.getNetwork(back)).containers)).not.toContain(webId);
  });
});
