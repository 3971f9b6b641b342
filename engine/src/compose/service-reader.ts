import path from 'node:path';
import type {
  BuildConfig,
  DependsCondition,
  HealthcheckConfig,
  ServiceConfig,
  ServiceDependency,
  ServiceNetwork,
} from './compose-model.js';
import {
  BUILD_KEYS,
  BUILD_UNSUPPORTED,
  DEPENDS_ON_KEYS,
  DEPENDS_ON_UNSUPPORTED,
  ENV_FILE_KEYS,
  HEALTHCHECK_KEYS,
  SERVICE_KEYS,
  SERVICE_NETWORK_KEYS,
  SERVICE_NETWORK_UNSUPPORTED,
  SERVICE_UNSUPPORTED,
} from './compose-schema.js';
import { isObj, type Obj, type Path, type ProblemSink } from './compose-values.js';
import { EnvFileSyntaxError, parseEnvFile } from './env-file.js';
import { readLogging } from './logging-reader.js';
import { type ReadMount, readMounts } from './service-mounts.js';
import { readPorts } from './service-ports.js';
import type { SourceLocation } from './source-location.js';

/** Reads files the compose file points at (`env_file`); `undefined` when the file does not exist. */
export interface TextFileReader {
  read(absolutePath: string): string | undefined;
}

export interface ServiceReadContext {
  sink: ProblemSink;
  workingDir: string;
  /** The project environment: the shell's variables over the `.env` file's. */
  lookup: (name: string) => string | undefined;
  files: TextFileReader;
}

/**
 * A service as read, with the document paths of what refers to other parts of the file (mounts,
 * networks, dependencies), so the loader's reference checks point at the exact list item.
 */
export type ReadService = Omit<ServiceConfig, 'mounts'> & {
  mounts: ReadMount[];
  refPaths: { networks: Record<string, Path>; dependsOn: Record<string, Path> };
};

const CONDITIONS = new Set<DependsCondition>([
  'service_started',
  'service_healthy',
  'service_completed_successfully',
]);
const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const PULL_POLICIES: Record<string, ServiceConfig['pullPolicy']> = {
  always: 'always',
  never: 'never',
  missing: 'missing',
  if_not_present: 'missing',
  build: 'build',
};
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** One entry of `services:` → the service model; problems go to the sink. */
export function readService(
  name: string,
  raw: unknown,
  location: SourceLocation,
  ctx: ServiceReadContext,
): ReadService | undefined {
  const { sink } = ctx;
  const at: Path = ['services', name];
  const what = `service "${name}"`;
  if (!isObj(raw)) {
    sink.invalid(at, what, 'a service must be a mapping (image, ports, …)');
    return undefined;
  }
  sink.checkKeys(raw, at, what, SERVICE_KEYS, SERVICE_UNSUPPORTED, true);
  const p = (key: string): Path => [...at, key];
  const str = (key: string) => sink.str(raw[key], p(key), what);
  const bool = (key: string) => sink.bool(raw[key], p(key), what);

  const service: ReadService = {
    name,
    environment: readEnvironment(raw, at, what, ctx),
    ports: readPorts(raw.ports, p('ports'), what, sink),
    expose: sink.strList(raw.expose, p('expose'), what),
    mounts: readMounts(raw.volumes, p('volumes'), what, ctx.workingDir, sink),
    networks: readServiceNetworks(raw.networks, p('networks'), what, sink),
    dependsOn: readDependsOn(raw.depends_on, p('depends_on'), what, sink),
    refPaths: {
      networks: namePaths(raw.networks, p('networks')),
      dependsOn: namePaths(raw.depends_on, p('depends_on')),
    },
    profiles: sink.strList(raw.profiles, p('profiles'), what),
    labels: definedValues(sink.keyValues(raw.labels, p('labels'), what)),
    tmpfs: readTmpfs(sink.strList(raw.tmpfs, p('tmpfs'), what)),
    extraHosts: readExtraHosts(raw.extra_hosts, p('extra_hosts'), what, sink),
    capAdd: sink.strList(raw.cap_add, p('cap_add'), what),
    capDrop: sink.strList(raw.cap_drop, p('cap_drop'), what),
    dns: sink.strList(raw.dns, p('dns'), what),
    sysctls: definedValues(sink.keyValues(raw.sysctls, p('sysctls'), what)),
    location,
  };
  const set = <K extends keyof ReadService>(key: K, value: ReadService[K] | undefined) => {
    if (value !== undefined) service[key] = value;
  };
  set('image', str('image'));
  set('build', readBuild(raw.build, p('build'), what, ctx));
  set('command', sink.command(raw.command, p('command'), what));
  set('entrypoint', sink.command(raw.entrypoint, p('entrypoint'), what));
  set('healthcheck', readHealthcheck(raw.healthcheck, p('healthcheck'), what, sink));
  set('user', str('user'));
  set('workingDir', str('working_dir'));
  set('hostname', str('hostname'));
  set('domainname', str('domainname'));
  set('init', bool('init'));
  set('stopSignal', str('stop_signal'));
  set('stopGracePeriodNs', sink.duration(raw.stop_grace_period, p('stop_grace_period'), what));
  set('tty', bool('tty'));
  set('stdinOpen', bool('stdin_open'));
  set('privileged', bool('privileged'));
  set('readOnly', bool('read_only'));
  set('platform', str('platform'));
  set('shmSizeBytes', sink.bytes(raw.shm_size, p('shm_size'), what));
  set('memLimitBytes', sink.bytes(raw.mem_limit, p('mem_limit'), what));
  set('logging', readLogging(raw.logging, p('logging'), what, sink));

  const restart = str('restart');
  if (restart !== undefined && !RESTART.test(restart)) {
    sink.invalid(
      p('restart'),
      what,
      `restart must be no, always, on-failure[:N] or unless-stopped (got ${JSON.stringify(restart)})`,
    );
  } else set('restart', restart);

  const pull = str('pull_policy');
  if (pull !== undefined) {
    const policy = PULL_POLICIES[pull];
    if (!policy)
      sink.invalid(
        p('pull_policy'),
        what,
        `pull_policy must be always, never, missing or build (got ${JSON.stringify(pull)})`,
      );
    set('pullPolicy', policy);
  }

  const containerName = str('container_name');
  if (containerName !== undefined && !CONTAINER_NAME.test(containerName)) {
    sink.invalid(
      p('container_name'),
      what,
      `container_name ${JSON.stringify(containerName)} may use only [a-zA-Z0-9][a-zA-Z0-9_.-]`,
    );
  } else set('containerName', containerName);

  if (raw.cpus !== undefined && raw.cpus !== null) {
    const cpus = Number(raw.cpus);
    if (!Number.isFinite(cpus) || cpus <= 0)
      sink.invalid(p('cpus'), what, `cpus must be a positive number (got ${JSON.stringify(raw.cpus)})`);
    else service.cpus = cpus;
  }

  if (service.image === undefined && service.build === undefined) {
    sink.invalid(at, what, 'needs "image" or "build"');
  }
  return service;
}

/** Where each name of a list-or-mapping of names is: `[a, b]` by index, `{a: …}` by key. */
function namePaths(value: unknown, at: Path): Record<string, Path> {
  const out: Record<string, Path> = {};
  if (Array.isArray(value)) {
    value.forEach((n, i) => {
      out[String(n)] = [...at, i];
    });
  } else if (isObj(value)) {
    for (const k of Object.keys(value)) out[k] = [...at, k];
  }
  return out;
}

function definedValues(map: Map<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of map) out[k] = v ?? '';
  return out;
}

/** `env_file` files in order, then `environment` over them; bare names take the project environment's value. */
function readEnvironment(raw: Obj, at: Path, what: string, ctx: ServiceReadContext): Record<string, string> {
  const { sink } = ctx;
  const env: Record<string, string> = {};
  for (const file of readEnvFileList(raw.env_file, [...at, 'env_file'], what, sink)) {
    const abs = path.resolve(ctx.workingDir, file.path);
    const text = ctx.files.read(abs);
    if (text === undefined) {
      if (file.required) {
        sink.add(
          'missing-file',
          file.at,
          `${what}: env_file ${abs} does not exist (create it, or mark it "required: false")`,
        );
      }
      continue;
    }
    try {
      Object.assign(env, parseEnvFile(text, ctx.lookup));
    } catch (err: unknown) {
      const where = err instanceof EnvFileSyntaxError ? `${abs}:${err.line}: ` : `${abs}: `;
      sink.invalid(file.at, what, `env_file ${where}${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const [key, value] of sink.keyValues(raw.environment, [...at, 'environment'], what)) {
    const resolved = value ?? ctx.lookup(key);
    if (resolved === undefined) delete env[key];
    else env[key] = resolved;
  }
  return env;
}

function readEnvFileList(
  value: unknown,
  at: Path,
  what: string,
  sink: ProblemSink,
): { path: string; required: boolean; at: Path }[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const out: { path: string; required: boolean; at: Path }[] = [];
  items.forEach((item, i) => {
    const p = Array.isArray(value) ? [...at, i] : at;
    if (typeof item === 'string') {
      out.push({ path: item, required: true, at: p });
      return;
    }
    const o = sink.obj(item, p, what);
    if (!o) return;
    sink.checkKeys(o, p, what, ENV_FILE_KEYS);
    const file = sink.str(o.path, [...p, 'path'], what);
    const format = sink.str(o.format, [...p, 'format'], what);
    if (format !== undefined && format !== 'raw') {
      sink.add(
        'unsupported-key',
        [...p, 'format'],
        `${what}: env_file format "${format}" is not supported (only the default and raw)`,
      );
    }
    if (file === undefined) sink.invalid(p, what, 'an env_file entry needs "path"');
    else out.push({ path: file, required: sink.bool(o.required, [...p, 'required'], what) ?? true, at: p });
  });
  return out;
}

function readBuild(value: unknown, at: Path, what: string, ctx: ServiceReadContext): BuildConfig | undefined {
  const { sink } = ctx;
  if (value === undefined || value === null) return undefined;
  const raw: Obj | undefined = typeof value === 'string' ? { context: value } : sink.obj(value, at, what);
  if (!raw) return undefined;
  sink.checkKeys(raw, at, what, BUILD_KEYS, BUILD_UNSUPPORTED, true);
  const context = sink.str(raw.context, [...at, 'context'], what) ?? '.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@')) {
    sink.add(
      'unsupported-key',
      [...at, 'context'],
      `${what}: a remote build context (${context}) is not supported; use a directory`,
    );
    return undefined;
  }
  const args: Record<string, string> = {};
  for (const [k, v] of sink.keyValues(raw.args, [...at, 'args'], what)) {
    const resolved = v ?? ctx.lookup(k);
    if (resolved !== undefined) args[k] = resolved;
  }
  const build: BuildConfig = {
    context: path.resolve(ctx.workingDir, context),
    args,
    labels: definedValues(sink.keyValues(raw.labels, [...at, 'labels'], what)),
    noCache: sink.bool(raw.no_cache, [...at, 'no_cache'], what) ?? false,
    pull: sink.bool(raw.pull, [...at, 'pull'], what) ?? false,
  };
  const dockerfile = sink.str(raw.dockerfile, [...at, 'dockerfile'], what);
  if (dockerfile !== undefined) build.dockerfile = dockerfile;
  const target = sink.str(raw.target, [...at, 'target'], what);
  if (target !== undefined) build.target = target;
  return build;
}

function readHealthcheck(
  value: unknown,
  at: Path,
  what: string,
  sink: ProblemSink,
): HealthcheckConfig | undefined {
  const raw = sink.obj(value, at, what);
  if (!raw) return undefined;
  sink.checkKeys(raw, at, what, HEALTHCHECK_KEYS, new Set(), true);
  if (sink.bool(raw.disable, [...at, 'disable'], what) === true) {
    if (raw.test !== undefined) sink.invalid(at, what, 'healthcheck has both "disable: true" and "test"');
    return { test: ['NONE'] };
  }
  const hc: HealthcheckConfig = {};
  const test = raw.test;
  if (typeof test === 'string') hc.test = ['CMD-SHELL', test];
  else if (Array.isArray(test)) {
    const list = sink.strList(test, [...at, 'test'], what);
    const kind = list[0];
    if (kind !== 'CMD' && kind !== 'CMD-SHELL' && kind !== 'NONE') {
      sink.invalid(
        [...at, 'test'],
        what,
        'a healthcheck test list must start with "CMD", "CMD-SHELL" or "NONE"',
      );
    } else hc.test = list;
  } else if (test !== undefined && test !== null) {
    sink.invalid([...at, 'test'], what, 'healthcheck test must be a string or a list');
  }
  const dur = (key: string) => sink.duration(raw[key], [...at, key], what);
  const set = <K extends keyof HealthcheckConfig>(key: K, v: HealthcheckConfig[K] | undefined) => {
    if (v !== undefined) hc[key] = v;
  };
  set('intervalNs', dur('interval'));
  set('timeoutNs', dur('timeout'));
  set('startPeriodNs', dur('start_period'));
  set('startIntervalNs', dur('start_interval'));
  set('retries', sink.int(raw.retries, [...at, 'retries'], what));
  return hc;
}

function readServiceNetworks(
  value: unknown,
  at: Path,
  what: string,
  sink: ProblemSink,
): Record<string, ServiceNetwork> {
  const out: Record<string, ServiceNetwork> = {};
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    for (const n of sink.strList(value, at, what)) out[n] = { aliases: [] };
    return out;
  }
  const raw = sink.obj(value, at, what);
  for (const [key, v] of Object.entries(raw ?? {})) {
    const p = [...at, key];
    const o = sink.obj(v, p, what);
    const net: ServiceNetwork = { aliases: [] };
    if (o) {
      sink.checkKeys(o, p, what, SERVICE_NETWORK_KEYS, SERVICE_NETWORK_UNSUPPORTED, true);
      net.aliases = sink.strList(o.aliases, [...p, 'aliases'], what);
      const ip = sink.str(o.ipv4_address, [...p, 'ipv4_address'], what);
      if (ip !== undefined) net.ipv4Address = ip;
    }
    out[key] = net;
  }
  return out;
}

function readDependsOn(
  value: unknown,
  at: Path,
  what: string,
  sink: ProblemSink,
): Record<string, ServiceDependency> {
  const out: Record<string, ServiceDependency> = {};
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    for (const n of sink.strList(value, at, what)) out[n] = { condition: 'service_started', required: true };
    return out;
  }
  const raw = sink.obj(value, at, what);
  for (const [dep, v] of Object.entries(raw ?? {})) {
    const p = [...at, dep];
    const o = sink.obj(v, p, what) ?? {};
    sink.checkKeys(o, p, what, DEPENDS_ON_KEYS, DEPENDS_ON_UNSUPPORTED, true);
    const condition = sink.str(o.condition, [...p, 'condition'], what) ?? 'service_started';
    if (!CONDITIONS.has(condition as DependsCondition)) {
      sink.invalid(
        [...p, 'condition'],
        what,
        `depends_on condition must be service_started, service_healthy or service_completed_successfully (got ${JSON.stringify(condition)})`,
      );
      continue;
    }
    out[dep] = {
      condition: condition as DependsCondition,
      required: sink.bool(o.required, [...p, 'required'], what) ?? true,
    };
  }
  return out;
}

/** `tmpfs: /run` or `/run:size=64m,mode=1777` → the `HostConfig.Tmpfs` map. */
function readTmpfs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(':');
    if (colon < 0) out[item] = '';
    else out[item.slice(0, colon)] = item.slice(colon + 1);
  }
  return out;
}

/** `extra_hosts` as a list (`host:ip`, `host=ip`) or a mapping → docker's `host:ip` entries. */
function readExtraHosts(value: unknown, at: Path, what: string, sink: ProblemSink): string[] {
  if (value === undefined || value === null) return [];
  if (isObj(value)) {
    return [...sink.keyValues(value, at, what)].map(([host, ip]) => `${host}:${ip ?? ''}`);
  }
  return sink.strList(value, at, what).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq > 0) return `${entry.slice(0, eq)}:${entry.slice(eq + 1)}`;
    if (entry.indexOf(':') <= 0)
      sink.invalid(at, what, `extra_hosts entry ${JSON.stringify(entry)} must be HOST:IP or HOST=IP`);
    return entry;
  });
}
