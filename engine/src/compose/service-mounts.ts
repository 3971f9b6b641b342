import { homedir } from 'node:os';
import path from 'node:path';
import type { ServiceMount } from './compose-model.js';
import {
  BIND_OPTION_KEYS,
  BIND_OPTION_UNSUPPORTED,
  SERVICE_VOLUME_KEYS,
  SERVICE_VOLUME_UNSUPPORTED,
  TMPFS_OPTION_KEYS,
  VOLUME_OPTION_KEYS,
  VOLUME_OPTION_UNSUPPORTED,
} from './compose-schema.js';
import { isObj, type Path, type ProblemSink } from './compose-values.js';

/** Short-syntax modes docker compose accepts; consistency modes mean nothing on Linux. */
const SHORT_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'cached', 'delegated', 'consistent']);

/** A mount plus what the loader still has to check against the disk. */
export type ReadMount = ServiceMount & { path: Path; mustExist?: boolean };

function hostPath(source: string, workingDir: string): string {
  if (source === '~' || source.startsWith('~/')) return path.join(homedir(), source.slice(1));
  return path.resolve(workingDir, source);
}

function isPathLike(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

/**
 * `volumes:` of a service: short syntax `[SOURCE:]TARGET[:MODE]` (a source that looks like a
 * path — `/`, `.`, `~` — is a bind mount relative to the project directory, anything else a named
 * volume) and long syntax `{type: bind|volume|tmpfs, source, target, read_only, …}`. Named volumes
 * are checked against the top-level `volumes:` by the loader.
 */
export function readMounts(
  value: unknown,
  at: Path,
  what: string,
  workingDir: string,
  sink: ProblemSink,
): ReadMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    sink.invalid(at, what, 'volumes must be a list');
    return [];
  }
  const out: ReadMount[] = [];
  value.forEach((item, i) => {
    const p = [...at, i];
    const mount =
      typeof item === 'string'
        ? readShort(item, p, what, workingDir, sink)
        : readLong(item, p, what, workingDir, sink);
    if (!mount) return;
    if (!mount.target.startsWith('/')) {
      sink.invalid(p, what, `the mount target ${JSON.stringify(mount.target)} must be an absolute path`);
      return;
    }
    if (out.some((m) => m.target === mount.target)) {
      sink.invalid(p, what, `two volumes are mounted at ${mount.target}`);
      return;
    }
    out.push(mount);
  });
  return out;
}

function readShort(
  spec: string,
  p: Path,
  what: string,
  workingDir: string,
  sink: ProblemSink,
): ReadMount | undefined {
  const parts = spec.split(':');
  if (parts.length === 1)
    return { type: 'volume', source: '', target: spec, readOnly: false, noCopy: false, path: p };
  if (parts.length > 3 || parts.some((x) => x === '')) {
    sink.invalid(p, what, `invalid volume ${JSON.stringify(spec)}: expected [SOURCE:]TARGET[:MODE]`);
    return undefined;
  }
  const [source = '', target = '', modeText = ''] = parts;
  const modes = modeText === '' ? [] : modeText.split(',');
  const bad = modes.filter((m) => !SHORT_MODES.has(m));
  if (bad.length > 0) {
    sink.invalid(
      p,
      what,
      `invalid volume ${JSON.stringify(spec)}: unknown mode ${bad.map((m) => `"${m}"`).join(', ')}`,
    );
    return undefined;
  }
  const readOnly = modes.includes('ro');
  if (isPathLike(source))
    return { type: 'bind', source: hostPath(source, workingDir), target, readOnly, path: p };
  return { type: 'volume', source, target, readOnly, noCopy: modes.includes('nocopy'), path: p };
}

function readLong(
  item: unknown,
  p: Path,
  what: string,
  workingDir: string,
  sink: ProblemSink,
): ReadMount | undefined {
  if (!isObj(item)) {
    sink.invalid(
      p,
      what,
      'a volume must be a string like "data:/var/lib/data" or a mapping with type and target',
    );
    return undefined;
  }
  sink.checkKeys(item, p, what, SERVICE_VOLUME_KEYS, SERVICE_VOLUME_UNSUPPORTED, true);
  const type = sink.str(item.type, [...p, 'type'], what);
  const source = sink.str(item.source, [...p, 'source'], what) ?? '';
  const target = sink.str(item.target, [...p, 'target'], what);
  const readOnly = sink.bool(item.read_only, [...p, 'read_only'], what) ?? false;
  if (target === undefined) {
    sink.invalid(p, what, 'a volume in long syntax needs "target"');
    return undefined;
  }
  const options = (key: string, known: ReadonlySet<string>, unsupported?: ReadonlySet<string>) => {
    const o = sink.obj(item[key], [...p, key], what);
    if (o) sink.checkKeys(o, [...p, key], what, known, unsupported, true);
    return o ?? {};
  };
  switch (type) {
    case 'bind': {
      if (source === '') {
        sink.invalid(p, what, 'a bind mount needs "source"');
        return undefined;
      }
      const bind = options('bind', BIND_OPTION_KEYS, BIND_OPTION_UNSUPPORTED);
      const create = sink.bool(bind.create_host_path, [...p, 'bind', 'create_host_path'], what) ?? true;
      return {
        type: 'bind',
        source: hostPath(source, workingDir),
        target,
        readOnly,
        path: p,
        mustExist: !create,
      };
    }
    case 'volume': {
      const volume = options('volume', VOLUME_OPTION_KEYS, VOLUME_OPTION_UNSUPPORTED);
      const noCopy = sink.bool(volume.nocopy, [...p, 'volume', 'nocopy'], what) ?? false;
      return { type: 'volume', source, target, readOnly, noCopy, path: p };
    }
    case 'tmpfs': {
      if (source !== '') sink.invalid([...p, 'source'], what, 'a tmpfs mount has no source');
      const tmpfs = options('tmpfs', TMPFS_OPTION_KEYS);
      const sizeBytes = sink.bytes(tmpfs.size, [...p, 'tmpfs', 'size'], what);
      const modeValue = tmpfs.mode;
      let mode: number | undefined;
      if (typeof modeValue === 'number') mode = modeValue;
      else if (typeof modeValue === 'string' && /^[0-7]{3,4}$/.test(modeValue))
        mode = Number.parseInt(modeValue, 8);
      else if (modeValue !== undefined)
        sink.invalid([...p, 'tmpfs', 'mode'], what, 'tmpfs mode must be octal like 1777');
      const m: ReadMount = { type: 'tmpfs', target, path: p };
      if (sizeBytes !== undefined) m.sizeBytes = sizeBytes;
      if (mode !== undefined) m.mode = mode;
      return m;
    }
    case undefined:
      sink.invalid(p, what, 'a volume in long syntax needs "type" (bind, volume or tmpfs)');
      return undefined;
    default:
      sink.add(
        'unsupported-key',
        [...p, 'type'],
        `${what}: volume type "${type}" is not supported by skiff up (use bind, volume or tmpfs)`,
      );
      return undefined;
  }
}
