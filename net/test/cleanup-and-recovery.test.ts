import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { containerId, Harness, kernelSnapshot, run, sandboxRequest, suffix } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function listeningPorts(): Promise<Set<number>> {
  const { stdout } = await run('ss', ['-Hltnu']);
  return new Set(
    stdout
      .split('\n')
      .map((l) => Number(/:(\d+)\s/.exec(l.split(/\s+/).slice(4, 5).join(' ') + ' ')?.[1]))
      .filter((n) => Number.isFinite(n) && n > 0),
  );
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

describe('cleanup and crash recovery (real kernel)', () => {
  const h = new Harness();
  afterEach(() => h.cleanup());

  it('leaves no link, namespace or listening socket after release and network removal', async () => {
    const net = await h.manager();
    const before = { kernel: await kernelSnapshot(net.engineId), ports: await listeningPorts() };
    const name = `tidy-${suffix()}`;
    await net.createNetwork({ name, internal: true });
    const ids = [containerId(), containerId()];
    const made: Sandbox[] = [];
    for (const id of ids) {
      made.push(
        await net.createSandbox(
          sandboxRequest(id, {
            mode: {
              kind: 'bridge',
              endpoints: [
                { network: name, aliases: ['x'] },
                { network: 'bridge', aliases: [] },
              ],
            },
            ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }],
          }),
        ),
      );
    }
    const during = await kernelSnapshot(net.engineId);
    expect(during.netns).toHaveLength(2);
    expect(during.links.length).toBe(before.kernel.links.length + 1 + 4); // a bridge and 2×2 veths
    expect(await listeningPorts()).toContain(made[0]!.ports[0]!.hostPort);

    for (const id of ids) await net.releaseSandbox(id);
    await net.removeNetwork(name);
    await net.settle();
    expect(await kernelSnapshot(net.engineId)).toEqual(before.kernel);
    const after = await listeningPorts();
    for (const sb of made) expect(after).not.toContain(sb.ports[0]!.hostPort);
  });

  it('removes what a SIGKILLed engine process left, and only that', async () => {
    const stateDir = await h.tempDir();
    const networkName = `crash-${suffix()}`;
    const child = spawn(
      process.execPath,
      [path.join(here, 'fixtures/crash-child.mjs'), stateDir, networkName],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    h.children.add(child);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
    });
    const { engineId, sandboxes } = JSON.parse(line) as { engineId: string; sandboxes: Sandbox[] };
    const ports = sandboxes.map((s) => s.ports[0]!.hostPort);
    const left = await kernelSnapshot(engineId);
    expect(left.netns).toHaveLength(2);
    expect(left.links.length).toBe(2 + 2); // default bridge, the user network, 2 veths
    for (const p of ports) expect(await portIsFree(p, '127.0.0.1')).toBe(false);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The kernel keeps named namespaces and bridges: the crash left them behind.
    expect((await kernelSnapshot(engineId)).netns).toHaveLength(2);
    for (const p of ports) expect(await portIsFree(p, '127.0.0.1')).toBe(true);

    const other = await h.manager(); // another engine on the same machine: its objects must survive
    const otherSb = await other.createSandbox(sandboxRequest(containerId()));

    const restarted = await h.manager({ stateDir });
    expect(restarted.engineId).toBe(engineId);
    expect(restarted.recovery).toMatchObject({ sandboxes: 2 });
    await restarted.settle();
    const recovered = await kernelSnapshot(engineId);
    expect(recovered.netns).toEqual([]);
    expect(recovered.links).toHaveLength(2); // the two bridges: networks outlive their engine process
    const network = await restarted.getNetwork(networkName);
    expect(network.containers).toEqual({});
    // Leases were freed: a new sandbox gets the first address again.
    const again = await restarted.createSandbox(
      sandboxRequest(containerId(), {
        mode: { kind: 'bridge', endpoints: [{ network: networkName, aliases: [] }] },
      }),
    );
    expect(again.endpoints[0]!.ipAddress).toBe(sandboxes[0]!.endpoints[0]!.ipAddress);

    expect((await kernelSnapshot(other.engineId)).netns).toEqual([otherSb.netnsPath!.split('/').pop()]);
  });
});
