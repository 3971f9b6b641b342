import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { type CliResult, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFixtureRegistry, writeProject } from './compose-project.js';

/**
 * Bad compose input: each case is refused with a specific error that names what is wrong (and
 * where), and nothing is left on the engine — no container, network or volume.
 */
describe('skiff up refuses bad input before anything starts', () => {
  const h = new SkiffdHarness();
  let n = 0;

  beforeAll(async () => {
    requireFixtureRegistry();
    await h.prepare();
    await h.start();
    const pulled = await h.skiff(['pull', '-q', 'busybox:1.35']);
    expect(pulled.code, pulled.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  /** Runs `skiff up -d` (plus `args`) in a fresh directory holding `files`. */
  const up = async (files: Record<string, string>, args: string[] = []): Promise<CliResult> => {
    const dir = path.join(h.base, `case-${++n}`);
    await writeProject(dir, files);
    return h.skiff(['up', '-d', ...args], { cwd: dir });
  };

  const expectNothingLeft = async () => {
    const containers = (await h.http('GET', '/v1.45/containers/json?all=1')).json<unknown[]>();
    const networks = (await h.http('GET', '/v1.45/networks')).json<{ Name: string }[]>();
    const volumes = (await h.http('GET', '/v1.45/volumes')).json<{ Volumes: unknown[] | null }>();
    expect(containers).toEqual([]);
    expect(networks.map((x) => x.Name).sort()).toEqual(['bridge', 'host', 'none']);
    expect(volumes.Volumes ?? []).toEqual([]);
  };

  const refused = (r: CliResult) => {
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  };

  it('a service declared twice', async () => {
    const r = await up({
      'compose.yaml':
        'services:\n  db:\n    image: busybox:1.35\n  web:\n    image: busybox:1.35\n  db:\n    image: busybox:1.35\n',
    });
    refused(r);
    expect(r.stderr).toContain('compose.yaml:6:3: service "db" is declared twice (first at line 2)');
    await expectNothingLeft();
  });

  it('an unknown key and an unsupported one, by name, with the service and the line', async () => {
    const r = await up({
      'compose.yaml':
        'services:\n  web:\n    image: busybox:1.35\n    comand: ["true"]\n    deploy:\n      replicas: 2\n',
    });
    refused(r);
    expect(r.stderr).toContain(
      'compose.yaml:4:5: service "web": unknown key "comand" (did you mean "command"?)',
    );
    expect(r.stderr).toContain('compose.yaml:5:5: service "web": "deploy" is not supported by skiff up');
    await expectNothingLeft();
  });

  it('a YAML syntax error, with line and column', async () => {
    const r = await up({
      'compose.yaml': 'services:\n  web:\n    image: busybox:1.35\n    command: ["sleep", "1"\n',
    });
    refused(r);
    expect(r.stderr).toMatch(/compose\.yaml:5:1: YAML syntax error: /);
    await expectNothingLeft();
  });

  it('a dependency cycle, named', async () => {
    const r = await up({
      'compose.yaml':
        'services:\n  api:\n    image: busybox:1.35\n    depends_on: [worker]\n  worker:\n    image: busybox:1.35\n    depends_on:\n      api: { condition: service_healthy }\n',
    });
    refused(r);
    expect(r.stderr).toContain('depends_on has a cycle: api -> worker -> api');
    await expectNothingLeft();
  });

  it('unknown network and volume references, and a missing env_file', async () => {
    const r = await up({
      'compose.yaml':
        'services:\n  web:\n    image: busybox:1.35\n    networks: [frontend]\n    volumes: ["cache:/cache"]\n    env_file: web.env\nnetworks:\n  front: {}\n',
    });
    refused(r);
    expect(r.stderr).toContain(
      'compose.yaml:4:16: service "web" joins network "frontend", which is not declared under the top-level "networks:"',
    );
    expect(r.stderr).toContain('compose.yaml:5:15: service "web" uses volume "cache", which is not declared');
    expect(r.stderr).toMatch(/compose\.yaml:6:5: service "web": env_file \S+\/web\.env does not exist/);
    await expectNothingLeft();
  });

  it('a port something on the host already listens on, named with its service', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await up({
        'compose.yaml': `services:\n  a:\n    image: busybox:1.35\n    command: ["sleep", "60"]\n  web:\n    image: busybox:1.35\n    command: ["httpd", "-f", "-p", "80"]\n    ports: ["127.0.0.1:${port}:80"]\n`,
      });
      refused(r);
      expect(r.stderr).toContain(
        `service "web": 127.0.0.1:${port}/tcp is already in use (another program on this host listens on it)`,
      );
      await expectNothingLeft();
    } finally {
      server.close();
    }
  });

  it("a port another environment's container publishes, and one published twice in the file", async () => {
    const first = await up({
      'compose.yaml':
        'name: holder\nservices:\n  web:\n    image: busybox:1.35\n    command: ["httpd", "-f", "-p", "80"]\n    ports: ["80"]\n',
    });
    expect(first.code, first.stderr).toBe(0);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first.stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    const r = await up({
      'compose.yaml': `name: second\nservices:\n  api:\n    image: busybox:1.35\n    ports: ["${port}:80"]\n  admin:\n    image: busybox:1.35\n    ports: ["9999:80", "0.0.0.0:9999:81"]\n`,
    });
    refused(r);
    expect(r.stderr).toContain(
      `service "api": 127.0.0.1:${port}/tcp is already in use (container holder-web-1 of environment "holder" publishes it)`,
    );
    expect(r.stderr).toContain(
      'service "admin": 0.0.0.0:9999/tcp is already in use (service "admin" of this file publishes it too)',
    );
    const down = await h.skiff(['down', '-p', 'holder', '-t', '1']);
    expect(down.code, down.stderr).toBe(0);
    await expectNothingLeft();
  });

  it('an external network that does not exist, and an unknown service on the command line', async () => {
    const files = {
      'compose.yaml':
        'services:\n  web:\n    image: busybox:1.35\n    networks: [shared]\nnetworks:\n  shared: { external: true }\n',
    };
    const r = await up(files);
    refused(r);
    expect(r.stderr).toContain('the external network "shared" does not exist');
    const unknown = await up(files, ['wbe']);
    refused(unknown);
    expect(unknown.stderr).toContain('no such service: wbe (did you mean "web"?)');
    await expectNothingLeft();
  });

  it('a service that never gets healthy: the error has its health output and log, and what started is removed', async () => {
    const r = await up(
      {
        'compose.yaml': `services:
  cache:
    image: busybox:1.35
    command: ["sleep", "60"]
    volumes: ["data:/data"]
  db:
    image: busybox:1.35
    command: ["sh", "-c", "echo starting the db; exec sleep 60"]
    healthcheck:
      test: ["CMD-SHELL", "echo not ready yet; exit 1"]
      interval: 200ms
      retries: 2
  web:
    image: busybox:1.35
    depends_on:
      db: { condition: service_healthy }
volumes:
  data: {}
`,
      },
      ['--wait'],
    );
    refused(r);
    expect(r.stderr).toContain(
      'service "db" is unhealthy after 2 failed checks (last check exit code 1: not ready yet)',
    );
    expect(r.stderr).toContain('last log lines of db:\nstarting the db');
    await expectNothingLeft();
  });

  it('a one-shot dependency that fails: its dependant never starts', async () => {
    const r = await up({
      'compose.yaml': `services:
  migrate:
    image: busybox:1.35
    command: ["sh", "-c", "echo migration failed >&2; exit 3"]
  app:
    image: busybox:1.35
    command: ["sleep", "60"]
    depends_on:
      migrate: { condition: service_completed_successfully }
`,
    });
    refused(r);
    expect(r.stderr).toContain(
      'service "migrate" exited with code 3, but services depend on it completing successfully',
    );
    expect(r.stderr).toContain('migration failed');
    expect(r.stderr).not.toMatch(/container \S+-app-1: created/);
    await expectNothingLeft();
  });
});
