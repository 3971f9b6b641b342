import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ComposeFileError,
  ComposeFileNotFoundError,
  type ComposeProblem,
  DependencyCycleError,
} from './compose-errors.js';
import { loadComposeProject } from './compose-loader.js';

describe('loadComposeProject', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-compose-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => writeFile(path.join(dir, name), text);
  const load = (env: NodeJS.ProcessEnv = {}, extra: { files?: string[]; projectName?: string } = {}) =>
    loadComposeProject({
      files: extra.files ?? [],
      cwd: dir,
      env,
      ...(extra.projectName ? { projectName: extra.projectName } : {}),
    });
  const problemsOf = (fn: () => unknown): ComposeProblem[] => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ComposeFileError) return [...err.problems];
      throw err;
    }
    throw new Error('expected a ComposeFileError');
  };

  it('reads services with both syntaxes of environment, ports, volumes and depends_on', async () => {
    await write(
      'compose.yaml',
      `name: My_Env
services:
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: \${PGPASS:-secret}
    ports: ["5432", "127.0.0.1:15432:5432", "0.0.0.0:9000-9001:8000-8001/udp"]
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./init:/docker-entrypoint-initdb.d:ro
      - type: tmpfs
        target: /scratch
        tmpfs: { size: 64m }
    healthcheck:
      test: pg_isready
      interval: 1m30s
      start_period: 500ms
      retries: 3
  app:
    build: { context: ./app, args: [MODE=dev, TOKEN] }
    environment: [A=1, FROM_SHELL, NOT_SET]
    ports:
      - target: 8080
        published: "18080"
        app_protocol: http
    depends_on:
      db: { condition: service_healthy }
    stop_grace_period: 3s
    extra_hosts: { "host.internal": 10.0.0.1 }
    tmpfs: ["/run:size=1m"]
volumes:
  pgdata: {}
`,
    );
    const p = load({ FROM_SHELL: 'yes', TOKEN: 't0k', PGPASS: undefined }, { projectName: 'my_env' });
    expect(p.name).toBe('my_env');
    const db = p.services.db;
    expect(db?.environment).toEqual({ POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'secret' });
    expect(db?.ports).toEqual([
      { target: 5432, published: 0, hostIp: '127.0.0.1', protocol: 'tcp' },
      { target: 5432, published: 15432, hostIp: '127.0.0.1', protocol: 'tcp' },
      { target: 8000, published: 9000, hostIp: '0.0.0.0', protocol: 'udp' },
      { target: 8001, published: 9001, hostIp: '0.0.0.0', protocol: 'udp' },
    ]);
    expect(db?.mounts).toEqual([
      {
        type: 'volume',
        source: 'pgdata',
        target: '/var/lib/postgresql/data',
        readOnly: false,
        noCopy: false,
      },
      { type: 'bind', source: path.join(dir, 'init'), target: '/docker-entrypoint-initdb.d', readOnly: true },
      { type: 'tmpfs', target: '/scratch', sizeBytes: 64 * 1024 * 1024 },
    ]);
    expect(db?.healthcheck).toEqual({
      test: ['CMD-SHELL', 'pg_isready'],
      intervalNs: 90e9,
      startPeriodNs: 500e6,
      retries: 3,
    });
    expect(db?.networks).toEqual({ default: { aliases: [] } });
    const app = p.services.app;
    expect(app?.build).toMatchObject({ context: path.join(dir, 'app'), args: { MODE: 'dev', TOKEN: 't0k' } });
    expect(app?.environment).toEqual({ A: '1', FROM_SHELL: 'yes' });
    expect(app?.ports).toEqual([
      { target: 8080, published: 18080, hostIp: '127.0.0.1', protocol: 'tcp', appProtocol: 'http' },
    ]);
    expect(app?.dependsOn).toEqual({ db: { condition: 'service_healthy', required: true } });
    expect(app?.stopGracePeriodNs).toBe(3e9);
    expect(app?.extraHosts).toEqual(['host.internal:10.0.0.1']);
    expect(app?.tmpfs).toEqual({ '/run': 'size=1m' });
    expect(p.networks.default?.name).toBe('my_env_default');
    expect(p.volumes.pgdata?.name).toBe('my_env_pgdata');
  });

  it('takes the project name from the file, else the directory, and warns about unset variables', async () => {
    await write('compose.yaml', `name: from-file\nservices:\n  a:\n    image: "busybox:\${TAG}"\n`);
    const p = load();
    expect(p.name).toBe('from-file');
    expect(p.services.a?.image).toBe('busybox:');
    expect(p.warnings).toEqual(['the variable TAG is not set; it stands for an empty string']);
    await write('compose.yaml', 'services:\n  a:\n    image: busybox\n');
    expect(load().name).toBe(
      path
        .basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, ''),
    );
  });

  it('interpolates from the .env file, with the shell winning, and keeps $$ literal', async () => {
    await write('.env', 'TAG=1.35\nPORT=8080\n# comment\nQUOTED="a b"\n');
    await write(
      'compose.yaml',
      `services:\n  a:\n    image: busybox:\${TAG}\n    command: ["echo", "$$HOME", "\${QUOTED}"]\n    ports: ["\${PORT}:80"]\n`,
    );
    const p = load({ PORT: '9090' });
    expect(p.services.a?.image).toBe('busybox:1.35');
    expect(p.services.a?.command).toEqual(['echo', '$HOME', 'a b']);
    expect(p.services.a?.ports[0]?.published).toBe(9090);
  });

  it('merges several -f files in order', async () => {
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: busybox\n    environment: [A=1, B=2]\n    command: sleep 1\n    ports: ["80"]\n',
    );
    await write(
      'override.yaml',
      'services:\n  a:\n    environment: { B: "3" }\n    command: [sleep, "2"]\n    ports: ["81"]\n',
    );
    const p = load({}, { files: ['compose.yaml', 'override.yaml'] });
    expect(p.services.a?.environment).toEqual({ A: '1', B: '3' });
    expect(p.services.a?.command).toEqual(['sleep', '2']);
    expect(p.services.a?.ports.map((x) => x.target)).toEqual([80, 81]);
    expect(p.configFiles).toEqual([path.join(dir, 'compose.yaml'), path.join(dir, 'override.yaml')]);
  });

  it('reads env_file entries under environment, and reports a missing one by name', async () => {
    await write('app.env', `A=from-file\nB=\${HOST_B}\n`);
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: busybox\n    env_file: [app.env, { path: optional.env, required: false }]\n    environment: { A: override }\n',
    );
    expect(load({ HOST_B: 'b' }).services.a?.environment).toEqual({ A: 'override', B: 'b' });
    await write('compose.yaml', 'services:\n  a:\n    image: busybox\n    env_file: missing.env\n');
    const [problem] = problemsOf(() => load());
    expect(problem?.kind).toBe('missing-file');
    expect(problem?.message).toContain(path.join(dir, 'missing.env'));
    expect(problem?.message).toContain('service "a"');
    expect(problem?.location?.line).toBe(4);
  });

  it('reports a YAML syntax error with its line and column', async () => {
    await write('compose.yaml', 'services:\n  a:\n    image: busybox\n    ports: [80\n');
    const [problem, ...rest] = problemsOf(() => load());
    expect(rest).toEqual([]);
    expect(problem?.kind).toBe('syntax');
    expect(problem?.location).toMatchObject({ file: 'compose.yaml', line: 5, column: 1 });
  });

  it('reports a service declared twice with both lines', async () => {
    await write(
      'compose.yaml',
      'services:\n  db:\n    image: a\n  web:\n    image: b\n  db:\n    image: c\n',
    );
    const problems = problemsOf(() => load());
    expect(problems).toHaveLength(1);
    expect(problems[0]?.kind).toBe('duplicate');
    expect(problems[0]?.message).toBe(
      'service "db" is declared twice (first at line 2): rename one of them or merge the two',
    );
    expect(problems[0]?.location).toMatchObject({ line: 6, column: 3 });
  });

  it('reports unknown and unsupported keys by name, with the service and the line', async () => {
    await write(
      'compose.yaml',
      'services:\n  db:\n    imgae: postgres\n    image: postgres\n    deploy: { replicas: 2 }\n    x-note: fine\n    healthcheck: { test: true, intervall: 1s }\nsecrets: {}\nx-top: ok\n',
    );
    const problems = problemsOf(() => load());
    const summary = problems.map((p) => [p.kind, p.location?.line, p.message]);
    expect(summary).toEqual([
      [
        'unsupported-key',
        8,
        'the compose file: "secrets" is not supported by skiff up; remove it (or move it to an x- extension field)',
      ],
      ['unknown-key', 3, 'service "db": unknown key "imgae" (did you mean "image"?)'],
      [
        'unsupported-key',
        5,
        'service "db": "deploy" is not supported by skiff up; remove it (or move it to an x- extension field)',
      ],
      ['unknown-key', 7, 'service "db": unknown key "intervall" (did you mean "interval"?)'],
      ['invalid-value', 7, 'service "db": healthcheck test must be a string or a list'],
    ]);
  });

  it('checks logging: as the engine will, before anything starts', async () => {
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: x\n    logging: { driver: syslog }\n  b:\n    image: y\n    logging:\n      options:\n        max-size: 1m\n        max-file: none\n',
    );
    const problems = problemsOf(() => load());
    expect(problems.map((p) => [p.kind, p.location?.line, p.message])).toEqual([
      [
        'invalid-value',
        4,
        'service "a": logger: no log driver named \'syslog\' is registered (Skiff has json-file, local and none)',
      ],
      [
        'invalid-value',
        10,
        'service "b": invalid log opt max-file "none": use a whole number of files, 1 or more',
      ],
    ]);
  });

  it('reports references to undeclared networks, volumes and services', async () => {
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: x\n    networks: [backnd]\n    volumes: ["pgdat:/data"]\n    depends_on: [bb]\n  b:\n    image: y\nnetworks:\n  backend: {}\nvolumes:\n  pgdata: {}\n',
    );
    const problems = problemsOf(() => load());
    expect(problems.map((p) => [p.kind, p.location?.line, p.message])).toEqual([
      [
        'undefined-reference',
        5,
        'service "a" uses volume "pgdat", which is not declared under the top-level "volumes:" (did you mean "pgdata"?)',
      ],
      [
        'undefined-reference',
        4,
        'service "a" joins network "backnd", which is not declared under the top-level "networks:" (did you mean "backend"?)',
      ],
      [
        'undefined-reference',
        6,
        'service "a" depends on "bb", which is not a service of this file (did you mean "b"?)',
      ],
    ]);
  });

  it('names a dependency cycle', async () => {
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: { c: { condition: service_healthy } }\n  c:\n    image: x\n    depends_on: [a]\n',
    );
    expect(() => load()).toThrow(DependencyCycleError);
    try {
      load();
    } catch (err) {
      expect((err as DependencyCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
      expect((err as Error).message).toContain('a -> b -> c -> a');
    }
  });

  it(`reports a \${VAR:?message} that is not set, and a lone $`, async () => {
    await write(
      'compose.yaml',
      `services:\n  a:\n    image: "x:\${TAG:?set TAG to the image tag}"\n    command: "echo cost $5"\n`,
    );
    const problems = problemsOf(() => load());
    expect(problems.map((p) => [p.kind, p.location?.line])).toEqual([
      ['interpolation', 3],
      ['interpolation', 4],
    ]);
    expect(problems[0]?.message).toBe(
      'services.a.image: required variable TAG is not set: set TAG to the image tag',
    );
  });

  it('says which file names it looked for when there is none', () => {
    expect(() => load()).toThrow(ComposeFileNotFoundError);
  });

  it('gives a service without networks the project default network, and drops it when unused', async () => {
    await write(
      'compose.yaml',
      'services:\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n: { name: shared-net }\n  ext: { external: true }\n',
    );
    const p = load({}, { projectName: 'p1' });
    expect(Object.keys(p.networks).sort()).toEqual(['ext', 'n']);
    expect(p.networks.n?.name).toBe('shared-net');
    expect(p.networks.ext).toMatchObject({ name: 'ext', external: true });
  });
});
