// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile syntax, not JS templates
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createContextFilter } from './context/context-filter.js';
import { walkContext } from './context/walk-context.js';
import type { Dockerfile } from './dockerfile.js';
import type { Instruction, InstructionKind, InstructionOf, Resolved } from './instruction.js';
import { parseDockerfile, parseInstructions } from './parser/parse-dockerfile.js';
import { type BuildPlan, planBuild } from './plan/build-plan.js';
import { runCommand } from './run-command.js';

/**
 * The corpus: real-world-style Dockerfiles (each directory is a whole build context) with what
 * the front end must make of them. The build executor's tests build the same directories.
 */
const corpus = (name: string) => fileURLToPath(new URL(`./testdata/${name}/`, import.meta.url));
const amd64 = { os: 'linux', architecture: 'amd64' };

async function load(name: string): Promise<Dockerfile> {
  const text = await readFile(`${corpus(name)}Dockerfile`, 'utf8');
  return parseDockerfile(text, { file: `testdata/${name}/Dockerfile` });
}

function kinds(instructions: readonly Instruction[]): InstructionKind[] {
  return instructions.map((i) => i.kind);
}

function nth<K extends InstructionKind>(list: readonly Instruction[], kind: K, n = 0): InstructionOf<K> {
  const found = list.filter((i): i is InstructionOf<K> => i.kind === kind)[n];
  if (found === undefined) throw new Error(`no ${kind} #${n}`);
  return found;
}

/** Drives the stage variables over a planned stage, as the executor will. */
function resolveStage(plan: BuildPlan, index: number, baseEnv: string[] = []): Resolved[] {
  const vars = plan.stageVariables(baseEnv);
  return (plan.stages[index]?.stage.instructions ?? []).map((i) => vars.step(i));
}

async function sentFiles(name: string): Promise<string[]> {
  const dir = corpus(name);
  const filter = await createContextFilter(dir);
  const out: string[] = [];
  for await (const entry of walkContext(dir, filter)) if (!entry.stats.isDirectory()) out.push(entry.relPath);
  return out;
}

describe('corpus: node multi-stage build', () => {
  it('parses four named stages from a parameterised base', async () => {
    const df = await load('node-multistage');
    expect(df.directives.syntax).toBe('docker/dockerfile:1');
    expect(df.globalArgs.flatMap((a) => a.args)).toEqual([
      { name: 'NODE_VERSION', defaultValue: '20' },
      { name: 'ALPINE_VERSION', defaultValue: '3.20' },
    ]);
    expect(df.stages.map((s) => [s.name, s.from.image])).toEqual([
      ['base', 'node:${NODE_VERSION}-alpine${ALPINE_VERSION}'],
      ['deps', 'base'],
      ['build', 'deps'],
      ['test', 'deps'],
      ['runtime', 'base'],
    ]);
    expect(kinds(df.stages[4]?.instructions ?? [])).toEqual([
      'ARG',
      'LABEL',
      'COPY',
      'COPY',
      'COPY',
      'USER',
      'EXPOSE',
      'HEALTHCHECK',
      'CMD',
    ]);
  });

  it('builds base, deps, build and runtime for the default target, skipping the test stage', async () => {
    const plan = planBuild(await load('node-multistage'), {
      buildArgs: new Map([['NODE_VERSION', '22']]),
      targetPlatform: amd64,
      buildPlatform: amd64,
    });
    expect(plan.stages[0]?.base).toEqual({ kind: 'image', ref: 'node:22-alpine3.20' });
    expect(plan.order.map((s) => s.stage.name)).toEqual(['base', 'deps', 'build', 'runtime']);
    expect(plan.stages[4]?.dependsOn).toEqual([0, 2]);
    expect(plan.unusedBuildArgs()).toEqual([]);
  });

  it('resolves the runtime stage with the redeclared global ARG and the chown flags', async () => {
    const plan = planBuild(await load('node-multistage'), { targetPlatform: amd64, buildPlatform: amd64 });
    const runtime = resolveStage(plan, 4, ['PATH=/usr/local/bin:/usr/bin', 'NODE_VERSION=20.15.0']);
    // ENV from the base image wins over the ARG of the same name.
    expect(nth(runtime, 'LABEL').pairs).toContainEqual({
      key: 'org.opencontainers.image.base.name',
      value: 'node:20.15.0',
    });
    expect(nth(runtime, 'COPY', 0)).toMatchObject({
      from: 'build',
      chown: 'node:node',
      dest: './node_modules',
    });
    expect(nth(runtime, 'EXPOSE').ports).toEqual(['3000/tcp']);
    expect(nth(runtime, 'HEALTHCHECK').health).toEqual({
      Test: ['CMD', 'node', 'dist/healthcheck.js'],
      Interval: 30e9,
      Timeout: 3e9,
      StartPeriod: 10e9,
      Retries: 3,
    });
    expect(nth(runtime, 'CMD').command).toEqual({ form: 'exec', args: ['node', 'dist/index.js'] });
  });

  it('sends the context minus its .dockerignore, keeping the exceptions', async () => {
    expect(await sentFiles('node-multistage')).toEqual([
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'important.log',
      'package-lock.json',
      'package.json',
      'src/index.js',
      'tsconfig.json',
    ]);
  });
});

describe('corpus: go cross-compiling build', () => {
  it('uses the automatic platform ARGs and builds only build and release', async () => {
    const arm = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    const plan = planBuild(await load('go-multistage'), { targetPlatform: arm, buildPlatform: amd64 });
    expect(plan.stages.map((s) => s.platform)).toEqual([amd64, undefined, undefined]);
    expect(plan.order.map((s) => s.stage.name)).toEqual(['build', 'release']);
    expect(plan.target.base).toEqual({ kind: 'image', ref: 'gcr.io/distroless/static-debian12:nonroot' });
    const vars = plan.stageVariables(['PATH=/usr/local/go/bin:/usr/bin', 'GOPATH=/go']);
    const build = (plan.stages[0]?.stage.instructions ?? []).map((i) => vars.step(i));
    expect(vars.runEnvironment()).toEqual([
      'PATH=/usr/local/go/bin:/usr/bin',
      'GOPATH=/go',
      'TARGETOS=linux',
      'TARGETARCH=arm64',
    ]);
    expect(vars.cacheArgs()).toEqual(['TARGETARCH=arm64', 'TARGETOS=linux']);
    expect(runCommand(nth(build, 'RUN', 1))).toEqual({
      kind: 'shell',
      script:
        'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH     go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server',
    });
  });

  it('resolves the release stage metadata', async () => {
    const plan = planBuild(await load('go-multistage'), { targetPlatform: amd64, buildPlatform: amd64 });
    const release = resolveStage(plan, 2);
    expect(nth(release, 'EXPOSE').ports).toEqual(['8080/tcp', '9090/tcp']);
    expect(nth(release, 'USER').user).toBe('nonroot:nonroot');
    expect(nth(release, 'STOPSIGNAL').signal).toBe('SIGTERM');
    expect(nth(release, 'ENTRYPOINT').command).toEqual({ form: 'exec', args: ['/server'] });
    expect(nth(release, 'CMD').command).toEqual({ form: 'exec', args: ['--listen=:8080'] });
  });
});

describe('corpus: python application', () => {
  it('expands ENV values that refer to earlier ENV and the base image', async () => {
    const plan = planBuild(await load('python-app'), { targetPlatform: amd64, buildPlatform: amd64 });
    const vars = plan.stageVariables(['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8']);
    const steps = (plan.target.stage.instructions ?? []).map((i) => vars.step(i));
    expect(vars.environment).toEqual([
      'PATH=/srv/app/.venv/bin:/usr/local/bin:/usr/bin:/bin',
      'LANG=C.UTF-8',
      'PYTHONDONTWRITEBYTECODE=1',
      'PYTHONUNBUFFERED=1',
      'PIP_NO_CACHE_DIR=off',
      'APP_HOME=/srv/app',
    ]);
    expect(nth(steps, 'WORKDIR').path).toBe('/srv/app');
    expect(nth(steps, 'MAINTAINER').author).toBe('platform team <platform@example.com>');
    expect(nth(steps, 'LABEL').pairs).toEqual([
      { key: 'maintainer', value: 'platform team <platform@example.com>' },
      { key: 'version', value: '2.0' },
    ]);
    expect(nth(steps, 'RUN', 0).network).toBe('host');
    expect(runCommand(nth(steps, 'RUN', 3))).toEqual({
      kind: 'shell',
      script: 'useradd --create-home --uid 10001 app\nchown -R app:app "$APP_HOME"\n',
    });
    expect(nth(steps, 'VOLUME').paths).toEqual(['/srv/app/data', '/srv/app/uploads']);
    expect(nth(steps, 'STOPSIGNAL').signal).toBe('SIGINT');
    expect(nth(steps, 'HEALTHCHECK').health).toMatchObject({
      Test: [
        'CMD-SHELL',
        `python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://localhost:8000/health').status == 200 else 1)"`,
      ],
      Interval: 90e9,
      Timeout: 10e9,
    });
    expect(nth(steps, 'ENTRYPOINT').command).toEqual({
      form: 'exec',
      args: ['gunicorn', '--bind', '0.0.0.0:8000'],
    });
  });
});

describe('corpus: heredocs', () => {
  it('reads every heredoc form', async () => {
    const df = await load('heredocs');
    const steps = df.stages[0]?.instructions ?? [];
    expect(kinds(steps)).toEqual(['ARG', 'RUN', 'RUN', 'RUN', 'COPY', 'COPY', 'ENTRYPOINT']);
    expect(runCommand(nth(steps, 'RUN', 0))).toEqual({
      kind: 'shell',
      script: 'set -eu\napt-get update\napt-get install -y --no-install-recommends ca-certificates\n',
    });
    expect(runCommand(nth(steps, 'RUN', 1))).toEqual({
      kind: 'file',
      content: '#!/usr/bin/env python3\nprint("built with python")\n',
    });
    expect(nth(steps, 'RUN', 2).heredocs).toEqual([
      { name: 'CONF', content: 'listen = 0.0.0.0:8080\n', expand: true, chomp: false },
      { name: 'SCRIPT', content: '#!/bin/sh\necho "$GREETING, $1"\n', expand: false, chomp: true },
    ]);
    expect(nth(steps, 'COPY', 1)).toMatchObject({
      chmod: '0755',
      dest: '/usr/local/bin/entrypoint',
      sources: [
        { kind: 'heredoc', heredoc: { name: 'EOF', content: '#!/bin/sh\nexec "$@"\n', chomp: true } },
      ],
    });
    expect(nth(steps, 'ENTRYPOINT').location.startLine).toBe(39);
  });

  it('expands COPY heredoc bodies only for unquoted delimiters', async () => {
    const plan = planBuild(await load('heredocs'), { buildArgs: new Map([['GREETING', 'hi']]) });
    const steps = resolveStage(plan, 0);
    expect(nth(steps, 'COPY', 0).sources).toEqual([
      {
        kind: 'heredoc',
        heredoc: { name: 'motd.txt', content: 'hi from the image\n', expand: true, chomp: false },
      },
      {
        kind: 'heredoc',
        heredoc: { name: 'raw.txt', content: '${GREETING} stays literal\n', expand: false, chomp: false },
      },
    ]);
  });
});

describe('corpus: ONBUILD base and child', () => {
  it('stores the triggers as text the child build re-parses', async () => {
    const base = await load('onbuild-base');
    const triggers = (base.stages[0]?.instructions ?? [])
      .filter((i) => i.kind === 'ONBUILD')
      .map((i) => i.expression);
    expect(triggers).toEqual([
      'ARG BUILD_MODE=release',
      'COPY --chown=1000:1000 . /app/src',
      'RUN make -C /app/src $BUILD_MODE',
      'RUN <<EOF\necho "built on $(date -u)" > /app/BUILD_INFO\nEOF',
    ]);
    // The child's executor parses the base image's config.OnBuild and runs it right after FROM.
    const inherited = triggers.flatMap((t) => parseInstructions(t, { file: 'ONBUILD trigger' }));
    expect(kinds(inherited)).toEqual(['ARG', 'COPY', 'RUN', 'RUN']);
    const child = planBuild(await load('onbuild-child'), { buildArgs: new Map([['BUILD_MODE', 'debug']]) });
    expect(child.target.base).toEqual({
      kind: 'image',
      ref: 'localhost:5000/skiff-test/onbuild-base:latest',
    });
    const vars = child.stageVariables(['PATH=/usr/bin']);
    const resolved = [...inherited, ...(child.target.stage.instructions ?? [])].map((i) => vars.step(i));
    expect(nth(resolved, 'COPY')).toMatchObject({
      chown: '1000:1000',
      sources: [{ path: '.' }],
      dest: '/app/src',
    });
    expect(vars.runEnvironment()).toEqual(['PATH=/usr/bin', 'APP_ENV=production', 'BUILD_MODE=debug']);
    expect(runCommand(nth(resolved, 'RUN', 1))).toEqual({
      kind: 'shell',
      script: 'echo "built on $(date -u)" > /app/BUILD_INFO\n',
    });
  });
});

describe('corpus: ADD of a tar', () => {
  it('parses local, owned and checked remote sources', async () => {
    const steps = resolveStage(planBuild(await load('add-tar')), 0);
    expect(nth(steps, 'ADD', 0)).toMatchObject({
      sources: [{ kind: 'path', path: 'rootfs.tar.gz' }],
      dest: '/opt/app/',
    });
    expect(nth(steps, 'ADD', 1)).toMatchObject({ chown: '1000:1000', chmod: '644', dest: '/etc/app/' });
    expect(nth(steps, 'ADD', 2)).toMatchObject({
      checksum: 'sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d',
      sources: [{ kind: 'path', path: 'https://example.com/releases/tool-1.0.tar.gz' }],
      dest: '/tmp/',
    });
    expect(await sentFiles('add-tar')).toEqual(['Dockerfile', 'config.ini', 'rootfs.tar.gz']);
  });
});

describe('corpus: escape directive with a backquote', () => {
  it('continues lines with ` and keeps backslashes in Windows paths', async () => {
    const df = await load('escape-backtick');
    expect(df.escapeChar).toBe('`');
    const steps = resolveStage(planBuild(df), 0, ['ProgramFiles=C:\\Program Files']);
    expect(nth(steps, 'SHELL').shell).toEqual(['powershell', '-Command', "$ErrorActionPreference = 'Stop';"]);
    expect(nth(steps, 'ENV').pairs).toEqual([
      { key: 'TOOLS', value: 'C:\\tools' },
      { key: 'LOG_DIR', value: 'C:\\logs' },
    ]);
    expect(nth(steps, 'WORKDIR').path).toBe('C:\\app');
    expect(nth(steps, 'COPY').dest).toBe('C:\\app\\');
    expect(nth(steps, 'RUN').command).toEqual({
      form: 'shell',
      command: "New-Item -ItemType Directory -Path $env:LOG_DIR ;     Write-Host 'ready'",
    });
    expect(nth(steps, 'CMD').command).toEqual({
      form: 'exec',
      args: ['powershell', '-File', 'C:\\app\\app.ps1'],
    });
  });
});

describe('corpus: healthchecks', () => {
  it('parses exec, shell and NONE checks per stage, each buildable as a target', async () => {
    const df = await load('healthchecks');
    const health = df.stages.map((s) => nth(s.instructions, 'HEALTHCHECK').health);
    expect(health).toEqual([
      { Test: ['CMD', 'redis-cli', 'ping'], Interval: 5e9, Timeout: 3e9, Retries: 5 },
      {
        Test: ['CMD-SHELL', 'pg_isready -U "${POSTGRES_USER:-postgres}" || exit 1'],
        Interval: 10e9,
        StartPeriod: 30e9,
        StartInterval: 1e9,
      },
      { Test: ['NONE'] },
    ]);
    expect(planBuild(df, { target: 'db' }).order.map((s) => s.stage.name)).toEqual(['db']);
  });
});

describe('corpus: .dockerignore exceptions', () => {
  it('sends the app, one doc and one log; drops tests, other logs and secrets', async () => {
    expect(await sentFiles('dockerignore-exceptions')).toEqual([
      '.dockerignore',
      'Dockerfile',
      'app/lib/util.js',
      'app/logs/important.log',
      'app/main.js',
      'docs/index.md',
    ]);
  });
});

describe('corpus: the three-line benchmark build', () => {
  it('parses FROM, RUN and COPY', async () => {
    const df = await load('three-line');
    expect(df.stages[0]?.from.image).toBe('busybox');
    expect(kinds(df.stages[0]?.instructions ?? [])).toEqual(['RUN', 'COPY']);
    expect(await sentFiles('three-line')).toEqual(['Dockerfile', 'hello.txt']);
  });
});
