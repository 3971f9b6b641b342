import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ComposeFileError, ComposeFileNotFoundError, type ComposeProblem } from './compose-errors.js';
import { readComposeFile } from './compose-file-reader.js';
import { mergeComposeData } from './compose-merge.js';
import type { ComposeProject, NetworkConfig, ServiceConfig, VolumeConfig } from './compose-model.js';
import {
  NETWORK_KEYS,
  NETWORK_UNSUPPORTED,
  TOP_LEVEL_KEYS,
  TOP_LEVEL_UNSUPPORTED,
  VOLUME_KEYS,
  VOLUME_UNSUPPORTED,
} from './compose-schema.js';
import { isObj, ProblemSink } from './compose-values.js';
import { assertNoCycle } from './dependency-graph.js';
import { EnvFileSyntaxError, parseEnvFile } from './env-file.js';
import { isValidProjectName, normalizeProjectName } from './project-name.js';
import { type ReadService, readService, type TextFileReader } from './service-reader.js';
import { LocationIndex } from './source-location.js';

/** The names `skiff up` looks for when no `-f` is given, in docker compose's order. */
export const DEFAULT_COMPOSE_FILES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
];

export interface LoadComposeOptions {
  /** `-f` files in order; empty: `COMPOSE_FILE`, then the default names in `cwd`. */
  files: readonly string[];
  cwd: string;
  /** `-p`; otherwise `COMPOSE_PROJECT_NAME`, the file's `name:`, then the directory's name. */
  projectName?: string;
  /** The shell environment (interpolation, bare `environment` names). */
  env: NodeJS.ProcessEnv;
  /** Reads env files and the compose files; the real file system unless a test injects one. */
  textFiles?: TextFileReader;
}

const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

export const nodeTextFiles: TextFileReader = {
  read(absolutePath) {
    try {
      return readFileSync(absolutePath, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
};

/** The compose files to read: `-f` as given, else `COMPOSE_FILE`, else the first default name found. */
export function resolveComposeFiles(files: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string[] {
  if (files.length > 0) return files.map((f) => path.resolve(cwd, f));
  const fromEnv = env.COMPOSE_FILE?.split(env.COMPOSE_PATH_SEPARATOR ?? path.delimiter).filter(
    (f) => f !== '',
  );
  if (fromEnv && fromEnv.length > 0) return fromEnv.map((f) => path.resolve(cwd, f));
  const found = DEFAULT_COMPOSE_FILES.map((n) => path.join(cwd, n)).find((f) => existsSync(f));
  if (!found) throw new ComposeFileNotFoundError(cwd, DEFAULT_COMPOSE_FILES);
  return [found];
}

/**
 * Reads, interpolates, merges and checks the compose files into a project. Every problem in the
 * files is collected and thrown together as one `ComposeFileError` (then a dependency cycle as a
 * `DependencyCycleError`): nothing is started from a file that is not right.
 */
export function loadComposeProject(options: LoadComposeOptions): ComposeProject {
  const files = options.textFiles ?? nodeTextFiles;
  const configFiles = resolveComposeFiles(options.files, options.cwd, options.env);
  const workingDir = path.dirname(configFiles[0] ?? path.join(options.cwd, 'compose.yaml'));
  const display = (abs: string) => {
    const rel = path.relative(options.cwd, abs);
    return rel.startsWith('..') ? abs : rel;
  };
  const problems: ComposeProblem[] = [];
  const warnings = new Set<string>();

  // The project environment: the shell's variables win over the .env file's.
  const dotEnvPath = path.join(workingDir, '.env');
  let dotEnv: Record<string, string> = {};
  const dotEnvText = files.read(dotEnvPath);
  if (dotEnvText !== undefined) {
    try {
      dotEnv = parseEnvFile(dotEnvText, (name) => options.env[name]);
    } catch (err: unknown) {
      const line = err instanceof EnvFileSyntaxError ? err.line : 1;
      problems.push({
        kind: 'syntax',
        message: `.env: ${err instanceof Error ? err.message : String(err)}`,
        location: { file: display(dotEnvPath), line, column: 1 },
      });
    }
  }
  const lookup = (name: string) => options.env[name] ?? dotEnv[name];
  const scope = {
    lookup,
    onUnset: (name: string) => warnings.add(`the variable ${name} is not set; it stands for an empty string`),
  };

  const locations = new LocationIndex();
  let data: unknown;
  for (const file of configFiles) {
    const text = files.read(file);
    if (text === undefined) {
      problems.push({ kind: 'missing-file', message: `the compose file ${file} does not exist` });
      continue;
    }
    const read = readComposeFile(text, display(file), scope);
    problems.push(...read.problems);
    locations.absorb(read.locations);
    if (read.data !== undefined) data = mergeComposeData(data, read.data);
  }
  if (problems.length > 0) throw new ComposeFileError(problems);

  const sink = new ProblemSink(locations);
  const root = isObj(data) ? data : undefined;
  if (!root)
    throw new ComposeFileError([
      {
        kind: 'invalid-value',
        message: 'the compose file must be a mapping with "services:"',
        location: { file: display(configFiles[0] ?? ''), line: 1, column: 1 },
      },
    ]);
  sink.checkKeys(root, [], 'the compose file', TOP_LEVEL_KEYS, TOP_LEVEL_UNSUPPORTED, true);
  if (root.version !== undefined) warnings.add('the top-level "version" is obsolete and ignored');

  const nameSource =
    options.projectName ??
    options.env.COMPOSE_PROJECT_NAME ??
    sink.str(root.name, ['name'], 'the compose file');
  const name = nameSource ?? normalizeProjectName(path.basename(workingDir));
  if (!isValidProjectName(name)) {
    sink.invalid(
      ['name'],
      'the project',
      `name ${JSON.stringify(name)} may use only lowercase letters, digits, "_" and "-", starting with a letter or a digit`,
    );
  }

  const networks = readNetworks(root.networks, name, sink);
  const volumes = readVolumes(root.volumes, name, sink);
  const rawServices = sink.obj(root.services, ['services'], 'the compose file') ?? {};
  if (Object.keys(rawServices).length === 0)
    sink.invalid(['services'], 'the compose file', 'declares no services');

  const services: Record<string, ServiceConfig> = {};
  const readServices: ReadService[] = [];
  for (const [serviceName, raw] of Object.entries(rawServices)) {
    if (!SERVICE_NAME.test(serviceName)) {
      sink.invalid(
        ['services', serviceName],
        `service "${serviceName}"`,
        'a service name may use only letters, digits, ".", "_" and "-"',
      );
      continue;
    }
    const loc = locations.find(['services', serviceName]) ?? {
      file: display(configFiles[0] ?? ''),
      line: 1,
      column: 1,
    };
    const service = readService(serviceName, raw, loc, { sink, workingDir, lookup, files });
    if (service) readServices.push(service);
  }
  for (const service of readServices) {
    checkReferences(service, Object.keys(rawServices), networks, volumes, sink);
    const { mounts, refPaths: _refs, ...rest } = service;
    services[service.name] = {
      ...rest,
      networks: Object.keys(service.networks).length > 0 ? service.networks : { default: { aliases: [] } },
      mounts: mounts.map(({ path: _p, mustExist: _m, ...m }) => m),
    };
  }
  if (sink.problems.length > 0) throw new ComposeFileError(sink.problems);

  const usesDefault = Object.values(services).some((s) => 'default' in s.networks);
  const declaresDefault = isObj(root.networks) && 'default' in root.networks;
  if (!usesDefault && !declaresDefault) delete networks.default;
  assertNoCycle(new Map(Object.values(services).map((s) => [s.name, Object.keys(s.dependsOn)])));
  return { name, workingDir, configFiles, services, networks, volumes, warnings: [...warnings] };
}

function checkReferences(
  service: ReadService,
  serviceNames: string[],
  networks: Record<string, NetworkConfig>,
  volumes: Record<string, VolumeConfig>,
  sink: ProblemSink,
): void {
  const what = `service "${service.name}"`;
  for (const m of service.mounts) {
    if (m.type === 'volume' && m.source !== '' && !(m.source in volumes)) {
      sink.add(
        'undefined-reference',
        m.path,
        `${what} uses volume "${m.source}", which is not declared under the top-level "volumes:"${sink.suggest(m.source, Object.keys(volumes))}`,
      );
    }
    if (m.type === 'bind' && m.mustExist && !existsAsPath(m.source)) {
      sink.add(
        'missing-file',
        m.path,
        `${what}: the bind source ${m.source} does not exist (create_host_path is false)`,
      );
    }
  }
  for (const n of Object.keys(service.networks)) {
    if (!(n in networks)) {
      sink.add(
        'undefined-reference',
        service.refPaths.networks[n] ?? ['services', service.name, 'networks'],
        `${what} joins network "${n}", which is not declared under the top-level "networks:"${sink.suggest(
          n,
          Object.keys(networks).filter((k) => k !== 'default'),
        )}`,
      );
    }
  }
  for (const dep of Object.keys(service.dependsOn)) {
    if (dep === service.name) {
      sink.add(
        'undefined-reference',
        service.refPaths.dependsOn[dep] ?? ['services', service.name, 'depends_on'],
        `${what} depends on itself`,
      );
    } else if (!serviceNames.includes(dep)) {
      sink.add(
        'undefined-reference',
        service.refPaths.dependsOn[dep] ?? ['services', service.name, 'depends_on'],
        `${what} depends on "${dep}", which is not a service of this file${sink.suggest(dep, serviceNames)}`,
      );
    }
  }
}

function existsAsPath(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function readNetworks(value: unknown, project: string, sink: ProblemSink): Record<string, NetworkConfig> {
  const out: Record<string, NetworkConfig> = {
    default: { name: `${project}_default`, external: false, internal: false, labels: {} },
  };
  const raw = sink.obj(value, ['networks'], 'the compose file') ?? {};
  for (const [key, v] of Object.entries(raw)) {
    const at = ['networks', key];
    const what = `network "${key}"`;
    const o = sink.obj(v, at, what) ?? {};
    sink.checkKeys(o, at, what, NETWORK_KEYS, NETWORK_UNSUPPORTED, true);
    const external = sink.bool(o.external, [...at, 'external'], what) ?? false;
    const explicit = sink.str(o.name, [...at, 'name'], what);
    const driver = sink.str(o.driver, [...at, 'driver'], what);
    if (driver !== undefined && driver !== 'bridge') {
      sink.add(
        'unsupported-key',
        [...at, 'driver'],
        `${what}: driver "${driver}" is not supported (only bridge)`,
      );
    }
    const net: NetworkConfig = {
      name: explicit ?? (external ? key : `${project}_${key}`),
      external,
      internal: sink.bool(o.internal, [...at, 'internal'], what) ?? false,
      labels: Object.fromEntries(
        [...sink.keyValues(o.labels, [...at, 'labels'], what)].map(([k, l]) => [k, l ?? '']),
      ),
    };
    if (driver !== undefined) net.driver = driver;
    sink.bool(o.attachable, [...at, 'attachable'], what);
    out[key] = net;
  }
  return out;
}

function readVolumes(value: unknown, project: string, sink: ProblemSink): Record<string, VolumeConfig> {
  const out: Record<string, VolumeConfig> = {};
  const raw = sink.obj(value, ['volumes'], 'the compose file') ?? {};
  for (const [key, v] of Object.entries(raw)) {
    const at = ['volumes', key];
    const what = `volume "${key}"`;
    const o = sink.obj(v, at, what) ?? {};
    sink.checkKeys(o, at, what, VOLUME_KEYS, VOLUME_UNSUPPORTED, true);
    const external = sink.bool(o.external, [...at, 'external'], what) ?? false;
    const explicit = sink.str(o.name, [...at, 'name'], what);
    const driver = sink.str(o.driver, [...at, 'driver'], what);
    if (driver !== undefined && driver !== 'local') {
      sink.add(
        'unsupported-key',
        [...at, 'driver'],
        `${what}: driver "${driver}" is not supported (only local)`,
      );
    }
    const vol: VolumeConfig = {
      name: explicit ?? (external ? key : `${project}_${key}`),
      external,
      labels: Object.fromEntries(
        [...sink.keyValues(o.labels, [...at, 'labels'], what)].map(([k, l]) => [k, l ?? '']),
      ),
    };
    if (driver !== undefined) vol.driver = driver;
    out[key] = vol;
  }
  return out;
}
