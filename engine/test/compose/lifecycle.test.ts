import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspectWire } from '../../src/api/wire/container-wire.js';
import { eventually } from '../api/network-helpers.js';
import { projectResources, requireFixtureRegistry, spawnSkiff, writeProject } from './compose-project.js';

const EMPTY = { containers: [], networks: [], volumes: [] };

/** A web server, a worker that logs a line every 200 ms, a named volume and a profiled service. */
const compose = (name: string) => `name: ${name}
services:
  web:
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: ["8080"]
    stop_grace_period: 1s
    volumes: ["data:/data"]
  worker:
    image: busybox:1.35
    command: ["sh", "-c", "i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.2; done"]
    stop_signal: SIGKILL
    depends_on: [web]
  debug:
    image: busybox:1.35
    command: ["sleep", "600"]
    profiles: [debug]
volumes:
  data: {}
`;

describe('dev environment lifecycles: foreground, sessions, --ttl, down, prune, logs, profiles', () => {
  const h = new SkiffdHarness();
  let n = 0;

  beforeAll(async () => {
    requireFixtureRegistry();
    await h.prepare();
    h.env.SKIFF_SESSION_GRACE_MS = '500';
    await h.start();
    const pulled = await h.skiff(['pull', '-q', 'busybox:1.35']);
    expect(pulled.code, pulled.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  const project = async (): Promise<{ dir: string; name: string }> => {
    const name = `env${++n}`;
    const dir = path.join(h.base, name);
    await writeProject(dir, { 'compose.yaml': compose(name) });
    return { dir, name };
  };
  const inspect = async (name: string) =>
    (await h.http('GET', `/v1.45/containers/${name}/json`)).json<ContainerInspectWire>();

  it('foreground up follows prefixed logs and Ctrl-C removes everything, volumes included', async () => {
    const { dir, name } = await project();
    const cli = spawnSkiff(h, ['up'], dir);
    await cli.waitFor(/worker \| tick 3\n/);
    await cli.waitFor(/following the logs/);
    expect(cli.stdout()).toMatch(/\nweb +http:\/\/127\.0\.0\.1:\d+\n/);
    expect(cli.stdout()).toMatch(/\nworker +\(no published ports\)\n/);
    const labels = (await inspect(`${name}-web-1`)).Config.Labels ?? {};
    expect(labels['dev.skiff.session']).toMatch(/^[0-9a-f]{24}$/);
    expect((await projectResources(h, name)).volumes).toEqual([`${name}_data`]);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).toContain(`stopping environment "${name}"`);
    expect(await projectResources(h, name)).toEqual(EMPTY);
  });

  it('a foreground up that is killed outright is reaped by the engine once its session grace is over', async () => {
    const { dir, name } = await project();
    const cli = spawnSkiff(h, ['up'], dir);
    await cli.waitFor(/following the logs/);
    expect((await projectResources(h, name)).containers).toHaveLength(2);
    cli.child.kill('SIGKILL');
    await cli.exited;
    await eventually(async () => expect(await projectResources(h, name)).toEqual(EMPTY), 100, 200);
  });

  it('Ctrl-C while up waits for health removes what it had started', async () => {
    const { dir, name } = await project();
    await writeProject(dir, {
      'compose.override.yaml': `services:\n  web:\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1000\n`,
    });
    const cli = spawnSkiff(
      h,
      ['up', '-d', '--wait', '-f', 'compose.yaml', '-f', 'compose.override.yaml'],
      dir,
    );
    await cli.waitFor(/container \S+-web-1: waiting/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).toContain('interrupted: what was started has been removed');
    expect(await projectResources(h, name)).toEqual(EMPTY);
  });

  it('--wait-timeout gives up on services that are not ready in time and removes what started', async () => {
    const { dir, name } = await project();
    await writeProject(dir, {
      'compose.override.yaml': `services:\n  web:\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1000\n`,
    });
    const r = await h.skiff(
      ['up', '-d', '--wait', '--wait-timeout', '2s', '-f', 'compose.yaml', '-f', 'compose.override.yaml'],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the services were not ready within 2s; what was started has been removed');
    expect(await projectResources(h, name)).toEqual(EMPTY);
  });

  it('up -d --ttl removes the environment by itself after the TTL, with the CLI long gone', async () => {
    const { dir, name } = await project();
    const up = await h.skiff(['up', '-d', '--ttl', '3s'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(new RegExp(`environment "${name}" removes itself at \\d{4}-`));
    const ls = await h.skiff(['ls', '--json']);
    const env = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; expiresAt?: string; status: string })
      .find((e) => e.name === name);
    expect(env?.status).toBe('running(2)');
    expect(Date.parse(env?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    // Past the engine's 30 s "first keepalive" limit would be the other failure; 3 s is the TTL.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await projectResources(h, name)).containers).toHaveLength(2);
    await eventually(async () => expect(await projectResources(h, name)).toEqual(EMPTY), 100, 200);
  });

  it('down keeps named volumes (their data survives the next up); down -v removes them', async () => {
    const { dir, name } = await project();
    expect((await h.skiff(['up', '-d'], { cwd: dir })).code).toBe(0);
    const write = await h.skiff(['exec', `${name}-web-1`, 'sh', '-c', 'echo kept > /data/file']);
    expect(write.code, write.stderr).toBe(0);
    const down = await h.skiff(['down'], { cwd: dir });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(`kept volumes ${name}_data`);
    expect(await projectResources(h, name)).toEqual({
      containers: [],
      networks: [],
      volumes: [`${name}_data`],
    });
    expect((await h.skiff(['up', '-d'], { cwd: dir })).code).toBe(0);
    const read = await h.skiff(['exec', `${name}-web-1`, 'cat', '/data/file']);
    expect(read.stdout).toBe('kept\n');
    expect((await h.skiff(['down', '-v', '-p', name])).code).toBe(0);
    expect(await projectResources(h, name)).toEqual(EMPTY);
    const again = await h.skiff(['down', '-p', name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no environment named "${name}"`);
  });

  it('starts profiled services only when their profile is on, and SERVICE arguments with their dependencies', async () => {
    const { dir, name } = await project();
    const plain = await h.skiff(['up', '-d', 'worker'], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect((await projectResources(h, name)).containers).toEqual([`/${name}-web-1`, `/${name}-worker-1`]);
    const profiled = await h.skiff(['up', '-d', '--profile', 'debug'], { cwd: dir });
    expect(profiled.code, profiled.stderr).toBe(0);
    expect((await projectResources(h, name)).containers).toEqual([
      `/${name}-debug-1`,
      `/${name}-web-1`,
      `/${name}-worker-1`,
    ]);
    expect((await h.skiff(['down', '-v', '-t', '1'], { cwd: dir })).code).toBe(0);
  });

  it('logs -f follows the services of an environment until their containers stop', async () => {
    const { dir, name } = await project();
    expect((await h.skiff(['up', '-d'], { cwd: dir })).code).toBe(0);
    const follow = spawnSkiff(h, ['logs', '-f', '--tail', '2', '-p', name, 'worker'], h.base);
    await follow.waitFor(/worker \| tick \d+\n(.|\n)*worker \| tick \d+\n(.|\n)*worker \| tick \d+\n/);
    expect((await h.skiff(['down', '-v', '-t', '1'], { cwd: dir })).code).toBe(0);
    expect(await follow.exited).toBe(0);
    for (const line of follow.stdout().trim().split('\n')) expect(line).toMatch(/^worker \| tick \d+$/);
  });

  it('logs NAME means a service even when NAME is also a prefix of a container ID; a container name wins', async () => {
    // A plain container, and an environment whose one service is named by its ID's first characters.
    const plainName = `plain-${n}`;
    const plain = await h.skiff([
      'run',
      '-d',
      '--name',
      plainName,
      'busybox:1.35',
      'sh',
      '-c',
      'echo plain; sleep 600',
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const service = plain.stdout.trim().slice(0, 4);
    const name = `env${++n}`;
    const dir = path.join(h.base, name);
    await writeProject(dir, {
      'compose.yaml': `name: ${name}\nservices:\n  "${service}":\n    image: busybox:1.35\n    command: ["sh", "-c", "echo from-service; sleep 600"]\n`,
    });
    expect((await h.skiff(['up', '-d'], { cwd: dir })).code).toBe(0);
    await eventually(async () => {
      const logs = await h.skiff(['logs', service], { cwd: dir });
      expect(logs.stdout).toBe(`${service} | from-service\n`);
    });
    // Where no environment has a service of that name, the ID prefix is the container, as in docker.
    const other = path.join(h.base, `${name}-elsewhere`);
    await mkdir(other, { recursive: true });
    expect((await h.skiff(['logs', '-p', name, service], { cwd: other })).stdout).toBe(
      `${service} | from-service\n`,
    );
    expect((await h.skiff(['logs', plainName], { cwd: dir })).stdout).toBe('plain\n');
    expect((await h.skiff(['down'], { cwd: dir })).code).toBe(0);
    expect((await h.skiff(['logs', service], { cwd: other })).stdout).toBe('plain\n');
    await h.skiff(['rm', '-f', plainName]);
  });

  it('prune removes stopped environments and leftovers of unknown sessions, and keeps what is alive', async () => {
    const stopped = await project();
    const running = await project();
    expect((await h.skiff(['up', '-d'], { cwd: stopped.dir })).code).toBe(0);
    expect((await h.skiff(['up', '-d'], { cwd: running.dir })).code).toBe(0);
    expect(
      (await h.skiff(['stop', '-t', '1', `${stopped.name}-web-1`, `${stopped.name}-worker-1`])).code,
    ).toBe(0);

    const created = await h.http('POST', '/skiff/v1/sessions', {
      body: JSON.stringify({ TtlMs: 60_000 }),
      headers: { 'Content-Type': 'application/json' },
    });
    const live = created.json<{ Id: string }>().Id;
    const dead = 'deadbeefdeadbeefdeadbeef';
    for (const [label, cname] of [
      [live, 'live-session'],
      [dead, 'dead-session'],
    ] as const) {
      const r = await h.skiff([
        'run',
        '-d',
        '--name',
        cname,
        '--label',
        `dev.skiff.session=${label}`,
        'busybox:1.35',
        'sleep',
        '600',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }

    const declined = await h.skiff(['prune'], { input: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain(
      `container ${stopped.name}-web-1 (environment "${stopped.name}" is stopped)`,
    );
    expect(declined.stderr).toContain('container dead-session (session deadbeefdead is gone)');
    expect(declined.stderr).not.toContain('live-session');
    expect(declined.stderr).not.toContain(running.name);

    const sessions = await h.skiff(['prune', '--sessions', '-f']);
    expect(sessions.code, sessions.stderr).toBe(0);
    expect(sessions.stdout).toBe('Deleted container: dead-session\n');
    const envs = await h.skiff(['prune', '--environments', '-f']);
    expect(envs.code, envs.stderr).toBe(0);
    expect(await projectResources(h, stopped.name)).toEqual(EMPTY);
    expect((await projectResources(h, running.name)).containers).toHaveLength(2);
    expect((await inspect('live-session')).State.Running).toBe(true);

    expect((await h.http('DELETE', `/skiff/v1/sessions/${live}`)).status).toBe(204);
    expect((await h.skiff(['down', '-v', '-t', '1', '-p', running.name])).code).toBe(0);
  });
});
