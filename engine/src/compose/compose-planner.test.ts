import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeFileError } from './compose-errors.js';
import { loadComposeProject } from './compose-loader.js';
import { planEnvironment } from './compose-planner.js';

describe('planEnvironment', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-plan-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const plan = async (text: string, options: Parameters<typeof planEnvironment>[1] = {}) => {
    await writeFile(path.join(dir, 'compose.yaml'), text);
    return planEnvironment(
      loadComposeProject({ files: [], cwd: dir, env: {}, projectName: 'proj' }),
      options,
    );
  };

  it('maps every supported service key onto the create request', async () => {
    const p = await plan(`
services:
  api:
    image: app:1
    entrypoint: /bin/entry --flag
    command: ["serve", "--port", "80"]
    environment: { MODE: dev }
    labels: [team=web]
    ports: ["8080:80", "[::1]::81/udp"]
    expose: ["90"]
    volumes: ["data:/data:ro", "/srv:/srv", "/anon"]
    tmpfs: /run
    extra_hosts: ["db.local:10.1.2.3"]
    healthcheck: { disable: true }
    restart: on-failure:3
    user: "1000:1000"
    working_dir: /app
    hostname: api-host
    init: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    container_name: the-api
    networks:
      front: { aliases: [api.local] }
      default: {}
    shm_size: 64m
    cpus: 1.5
    logging: { driver: json-file, options: { max-size: 10m, max-file: "3" } }
networks:
  front: {}
volumes:
  data: { name: shared-data }
`);
    const api = p.services.api;
    expect(api?.containerName).toBe('the-api');
    const body = api?.create;
    expect(body).toMatchObject({
      Image: 'app:1',
      Entrypoint: ['/bin/entry', '--flag'],
      Cmd: ['serve', '--port', '80'],
      Env: ['MODE=dev'],
      User: '1000:1000',
      WorkingDir: '/app',
      Hostname: 'api-host',
      StopSignal: 'SIGINT',
      StopTimeout: 90,
      Healthcheck: { Test: ['NONE'] },
      ExposedPorts: { '80/tcp': {}, '81/udp': {}, '90/tcp': {} },
    });
    expect(body?.Labels).toMatchObject({
      team: 'web',
      'com.docker.compose.project': 'proj',
      'com.docker.compose.service': 'api',
      'dev.skiff.environment': 'proj',
      'dev.skiff.managed': 'true',
    });
    expect(body?.Labels?.['com.docker.compose.config-hash']).toBe(api?.configHash);
    expect(body?.HostConfig).toMatchObject({
      PortBindings: {
        '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
        '81/udp': [{ HostIp: '::1', HostPort: '' }],
      },
      Mounts: [
        { Type: 'volume', Source: 'shared-data', Target: '/data', ReadOnly: true },
        { Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: false },
        { Type: 'volume', Target: '/anon', ReadOnly: false },
      ],
      Tmpfs: { '/run': '' },
      ExtraHosts: ['db.local:10.1.2.3'],
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      Init: true,
      ShmSize: 64 * 1024 * 1024,
      NanoCpus: 1.5e9,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      NetworkMode: 'proj_front',
    });
    expect(body?.NetworkingConfig?.EndpointsConfig).toEqual({
      proj_front: { Aliases: ['api', 'api.local'] },
      proj_default: { Aliases: ['api'] },
    });
    expect(p.networks.map((n) => [n.key, n.name, n.labels['com.docker.compose.network']])).toEqual([
      ['front', 'proj_front', 'front'],
      ['default', 'proj_default', 'default'],
    ]);
    expect(p.volumes.map((v) => v.name)).toEqual(['shared-data']);
  });

  it('names built images <project>-<service>, and gives the build its args and target', async () => {
    const p = await plan(
      'services:\n  web:\n    build: { context: ., dockerfile: Web.Dockerfile, target: dev, args: { A: "1" } }\n',
    );
    expect(p.services.web?.image).toBe('proj-web');
    expect(p.services.web?.build).toMatchObject({
      context: dir,
      dockerfile: 'Web.Dockerfile',
      target: 'dev',
      args: { A: '1' },
      tag: 'proj-web',
    });
  });

  it('selects services by profile and by name (with what they need), and orders them in waves', async () => {
    const text = `
services:
  db: { image: pg }
  api: { image: api, depends_on: { db: { condition: service_healthy } } }
  tools: { image: t, profiles: [debug], depends_on: [api] }
  optional-dep: { image: o, depends_on: { ghost: { condition: service_started, required: false } } }
  ghost: { image: g, profiles: [never] }
`;
    const all = await plan(text);
    expect(Object.keys(all.services).sort()).toEqual(['api', 'db', 'optional-dep']);
    expect(all.services['optional-dep']?.dependsOn).toEqual({});
    expect(all.waves).toEqual([['db', 'optional-dep'], ['api']]);
    const debug = await plan(text, { profiles: ['debug'] });
    expect(debug.waves).toEqual([['db', 'optional-dep'], ['api'], ['tools']]);
    const named = await plan(text, { services: ['tools'] });
    expect(Object.keys(named.services).sort()).toEqual(['api', 'db', 'tools']);
    expect(named.services.api?.create.Labels?.['com.docker.compose.depends_on']).toBe(
      'db:service_healthy:true',
    );
    await expect(plan(text, { services: ['tool'] })).rejects.toThrow(ComposeFileError);
  });

  it('labels everything with the session and its expiry when there is one, which changes the config hash', async () => {
    const text = 'services:\n  a: { image: x }\n';
    const plain = await plan(text);
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const owned = await plan(text, { session: { id: 'abc', expiresAt } });
    expect(owned.labels).toMatchObject({
      'dev.skiff.session': 'abc',
      'dev.skiff.environment.expires': '2030-01-01T00:00:00.000Z',
    });
    expect(owned.networks[0]?.labels['dev.skiff.session']).toBe('abc');
    expect(owned.services.a?.configHash).not.toBe(plain.services.a?.configHash);
  });
});
