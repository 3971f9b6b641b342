import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUSYBOX, provideBusybox, SKIFF_BIN, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSkiffRegistry, writeHtpasswd } from './support/skiff-registry.js';

const PASSWORD = 'skiff cli p4ss';

/**
 * The registry verbs of Skiff's own CLI: `skiff registry serve` (foreground, pino logs, clean stop
 * on SIGINT/SIGTERM), `skiff login`/`logout` writing the docker config, `skiff push`/`pull` using
 * that login (sent as X-Registry-Auth) with per-layer progress, and `skiff doctor`'s registry view.
 */
describe('skiff registry serve, login, logout, push, pull and doctor', () => {
  const h = new SkiffdHarness();
  const stops: (() => Promise<unknown>)[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await provideBusybox(h.api);
    env = { DOCKER_CONFIG: path.join(h.base, 'skiff-docker-config') };
  }, 180_000);

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await h.stop();
    await h.cleanup();
  });

  it('serves in the foreground with JSON logs and stops cleanly on SIGINT', async () => {
    const registry = await startSkiffRegistry(path.join(h.base, 'plain-registry'));
    const v2 = await fetch(`http://${registry.host}/v2/`);
    expect(v2.status).toBe(200);
    expect(v2.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    const exited = new Promise<number | null>((resolve) => registry.child.once('exit', resolve));
    registry.child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = registry
      .log()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['registry listening', 'shutting down', 'registry stopped']),
    );
    const bad = await h.skiff(['registry', 'serve', '--addr', 'nonsense']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid listen address "nonsense": expected host:port/);
  });

  it('logs in (refusing a wrong password), pushes and pulls with the stored login, and logs out', async () => {
    const dir = path.join(h.base, 'auth-registry');
    const registry = await startSkiffRegistry(dir, {
      htpasswd: await writeHtpasswd(path.join(dir, 'htpasswd'), 'carol', PASSWORD),
    });
    stops.push(registry.stop);
    const ref = `${registry.host}/cli/box:1`;
    // An image with a layer of its own (a commit), so that pulling it back downloads and unpacks.
    const created = await h.http('POST', '/v1.45/containers/create', {
      body: JSON.stringify({ Image: BUSYBOX, Cmd: ['sh', '-c', `echo ${h.engineName} > /own-layer`] }),
      headers: { 'Content-Type': 'application/json' },
    });
    const source = created.json<{ Id: string }>().Id;
    const waited = h.http('POST', `/v1.45/containers/${source}/wait?condition=next-exit`);
    await h.http('POST', `/v1.45/containers/${source}/start`);
    await waited;
    const commit = await h.http(
      'POST',
      `/v1.45/commit?container=${source}&repo=${registry.host}/cli/box&tag=1`,
    );
    expect(commit.status, commit.body.toString()).toBe(201);
    await h.http('DELETE', `/v1.45/containers/${source}`);

    const wrong = await h.skiff(['login', '-u', 'carol', '--password-stdin', registry.host], {
      input: 'wrong\n',
      env,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /failed with status: 401 Unauthorized: the registry refused the username and password/,
    );
    const noTty = await h.skiff(['login', registry.host], { env });
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toMatch(/cannot perform an interactive login from a non TTY device/);

    const login = await h.skiff(['login', '-u', 'carol', '--password-stdin', registry.host], {
      input: `${PASSWORD}\n`,
      env,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('Login Succeeded\n');
    expect(login.stderr).toMatch(/stored unencrypted/);
    const configFile = path.join(env.DOCKER_CONFIG ?? '', 'config.json');
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({
      auths: { [registry.host]: { auth: Buffer.from(`carol:${PASSWORD}`).toString('base64') } },
    });

    const push = await h.skiff(['push', ref], { env });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^The push refers to repository \[127\.0\.0\.1:\d+\/cli\/box\]\n/);
    expect(push.stdout).toMatch(/^[0-9a-f]{12}: Pushed$/m);
    expect(push.stdout).not.toContain('\u001b[');
    expect((await h.skiff(['rmi', ref])).code).toBe(0);

    // On a terminal, the per-layer lines are rewritten in place with cursor movements.
    const tty = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        'script',
        ['-qec', `${process.execPath} ${SKIFF_BIN} pull ${ref}`, '/dev/null'],
        { env: { ...h.env, ...env } },
        (err, stdout) => resolve({ code: err ? 1 : 0, stdout }),
      );
    });
    expect(tty.code, tty.stdout).toBe(0);
    const ESC = String.fromCharCode(27);
    expect(tty.stdout).toMatch(/\[\d+A\r/);
    expect(tty.stdout).toContain(`${ESC}[2K`);
    expect(tty.stdout).toMatch(/[0-9a-f]{12}: Pull complete/);
    expect(tty.stdout).toContain(`Status: Downloaded newer image for ${ref}`);

    const doctor = await h.skiff(['doctor', '--json'], { env });
    const report = JSON.parse(doctor.stdout) as {
      registries: { from: string; mirrors: string[]; credentials: { server: string; source: string }[] };
    };
    expect(report.registries.from).toBe('engine');
    expect(report.registries.credentials).toEqual([{ server: registry.host, source: configFile }]);
    const mirrors = (process.env.SKIFF_REGISTRY_MIRRORS ?? '').split(',').filter(Boolean);
    expect(report.registries.mirrors).toHaveLength(mirrors.length);
    expect(doctor.stdout).not.toContain(PASSWORD);
    const text = await h.skiff(['doctor'], { env });
    expect(text.stdout).toMatch(new RegExp(`${registry.host.replace(/\./g, '\\.')}\\s+in ${configFile}`));

    expect((await h.skiff(['logout', registry.host], { env })).stdout).toBe(
      `Removing login credentials for ${registry.host}\n`,
    );
    expect((await h.skiff(['logout', registry.host], { env })).stdout).toBe(
      `Not logged in to ${registry.host}\n`,
    );
    await h.skiff(['rmi', ref]);
    const denied = await h.skiff(['pull', ref], { env });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/401 Unauthorized to an anonymous request .*run skiff login/);
  });
});
