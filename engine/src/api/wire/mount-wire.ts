import path from 'node:path';
import type { MountSpec } from '../../containers/container-spec.js';
import { InvalidArgumentError } from '../../errors.js';
import { isObject, type JsonObject, optBool, optNumber, optObject, optString } from './wire-value.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const BIND_MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS]);

function invalidSpec(spec: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid volume specification: '${spec}': ${why}`);
}

function requireAbsolute(spec: string, target: string): void {
  if (!path.posix.isAbsolute(target))
    throw invalidSpec(spec, `the destination '${target}' must be an absolute path`);
}

/**
 * One `HostConfig.Binds` entry (moby `volume/mounts/linux_parser.go`): `dst` is an anonymous
 * volume, `src:dst[:mode]` a bind mount when `src` is absolute and a named volume otherwise. Mode is
 * a comma list of `ro`, `rw`, `z`, `Z`, `nocopy` and one propagation.
 */
export function parseBind(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length === 1) {
    const target = parts[0] ?? '';
    requireAbsolute(spec, target);
    return { type: 'volume', name: '', target, readOnly: false, anonymous: true };
  }
  if (parts.length > 3) throw invalidSpec(spec, 'expected SOURCE:DESTINATION[:MODE]');
  const [source = '', target = '', modeText = ''] = parts;
  if (source === '') throw invalidSpec(spec, 'the source is empty');
  requireAbsolute(spec, target);
  const modes = modeText === '' ? [] : modeText.split(',');
  for (const m of modes) {
    if (!BIND_MODES.has(m)) throw invalidSpec(spec, `unknown mode '${m}'`);
  }
  const readOnly = modes.includes('ro');
  if (readOnly && modes.includes('rw')) throw invalidSpec(spec, "'ro' and 'rw' contradict each other");
  const propagation = modes.find((m) => PROPAGATIONS.has(m));
  if (path.posix.isAbsolute(source)) {
    return propagation
      ? { type: 'bind', source, target, readOnly, propagation }
      : { type: 'bind', source, target, readOnly };
  }
  if (!VOLUME_NAME.test(source)) {
    throw invalidSpec(
      spec,
      `'${source}' includes invalid characters for a local volume name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed; if you intended to pass a host directory, use an absolute path`,
    );
  }
  return { type: 'volume', name: source, target, readOnly, anonymous: false };
}

/** `HostConfig.Tmpfs`: a map of path → mount options (`rw,size=64m,noexec`). */
export function parseTmpfs(map: Record<string, string>): MountSpec[] {
  return Object.entries(map).map(([target, options]) => {
    requireAbsolute(`${target}:${options}`, target);
    return { type: 'tmpfs', target, options: options.split(',').filter((o) => o !== '') };
  });
}

/** One `HostConfig.Mounts[]` entry (the `--mount` form). */
export function parseMount(value: unknown, index: number): MountSpec {
  const field = `HostConfig.Mounts[${index}]`;
  if (!isObject(value)) throw new InvalidArgumentError(`invalid ${field}: expected an object`);
  const m: JsonObject = value;
  const type = optString(m, 'Type', `${field}.Type`) ?? '';
  const target = optString(m, 'Target', `${field}.Target`) ?? '';
  const source = optString(m, 'Source', `${field}.Source`) ?? '';
  const readOnly = optBool(m, 'ReadOnly', `${field}.ReadOnly`) ?? false;
  if (!path.posix.isAbsolute(target)) {
    throw new InvalidArgumentError(
      `invalid mount config: ${field}.Target '${target}' must be an absolute path`,
    );
  }
  switch (type) {
    case 'bind': {
      if (!path.posix.isAbsolute(source)) {
        throw new InvalidArgumentError(
          `invalid mount config for type "bind": the source '${source}' must be an absolute path`,
        );
      }
      const propagation = optString(
        optObject(m, 'BindOptions') ?? {},
        'Propagation',
        `${field}.BindOptions.Propagation`,
      );
      if (propagation && !PROPAGATIONS.has(propagation)) {
        throw new InvalidArgumentError(`invalid mount config: unknown propagation mode '${propagation}'`);
      }
      return propagation
        ? { type: 'bind', source, target, readOnly, propagation }
        : { type: 'bind', source, target, readOnly };
    }
    case 'volume':
      if (source !== '' && !VOLUME_NAME.test(source)) {
        throw new InvalidArgumentError(
          `invalid mount config for type "volume": invalid volume name '${source}'`,
        );
      }
      return { type: 'volume', name: source, target, readOnly, anonymous: source === '' };
    case 'tmpfs': {
      if (source !== '') {
        throw new InvalidArgumentError('invalid mount config for type "tmpfs": the source must be empty');
      }
      const opts = optObject(m, 'TmpfsOptions') ?? {};
      const options: string[] = [];
      const size = optNumber(opts, 'SizeBytes', `${field}.TmpfsOptions.SizeBytes`);
      const mode = optNumber(opts, 'Mode', `${field}.TmpfsOptions.Mode`);
      if (readOnly) options.push('ro');
      if (size) options.push(`size=${size}`);
      if (mode) options.push(`mode=${mode.toString(8)}`);
      return { type: 'tmpfs', target, options };
    }
    default:
      throw new InvalidArgumentError(
        `invalid mount config: mount type ${JSON.stringify(type)} is not supported (use bind, volume or tmpfs)`,
      );
  }
}

/** The `Binds` form of a mount, for `HostConfig.Binds` in inspect output; tmpfs mounts have none. */
export function formatBind(mount: MountSpec): string | undefined {
  if (mount.type === 'tmpfs') return undefined;
  if (mount.type === 'volume' && mount.anonymous) return undefined;
  const source = mount.type === 'bind' ? mount.source : mount.name;
  const modes = [
    mount.readOnly ? 'ro' : undefined,
    mount.type === 'bind' ? mount.propagation : undefined,
  ].filter((m): m is string => m !== undefined);
  return modes.length > 0 ? `${source}:${mount.target}:${modes.join(',')}` : `${source}:${mount.target}`;
}
