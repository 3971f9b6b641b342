import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BuiltInNetwork } from '@skiff/net';
import { ZERO_TIME } from '../constants.js';
import { InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import { hostPlatform } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-record.js';
import { runCommand } from '../util/run-command.js';
import type { ContainerContext } from './container-context.js';
import { type RootView, resolveContainerPath } from './container-path.js';
import type { ContainerRecord, ResolvedMount } from './container-record.js';
import type { ContainerCreateInput } from './container-service.js';
import type { ContainerSpec, MountSpec } from './container-spec.js';
import { mergeCreateInput, normaliseContainerName } from './create-merge.js';
import { etcFilesFor } from './etc-files.js';
import { randomContainerName } from './name-generator.js';

const MAX_NAME_ATTEMPTS = 32;

function checkPlatform(image: ImageRecord, platform: string | undefined, ref: string): void {
  if (!platform) return;
  const [os_, arch, variant] = platform.split('/');
  const c = image.config;
  const host = hostPlatform();
  if (
    (os_ && os_ !== c.os) ||
    (arch && arch !== c.architecture) ||
    (variant && c.variant && variant !== c.variant)
  ) {
    throw new NotFoundError(
      'image',
      ref,
      `image with reference ${ref} was found but does not match the specified platform: wanted ${platform}, actual: ${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''} (this host is ${host.os}/${host.architecture})`,
    );
  }
}

function reserveName(ctx: ContainerContext, input: ContainerCreateInput, id: string): string {
  if (input.name) {
    const name = normaliseContainerName(input.name);
    ctx.store.reserveName(name, id);
    return name;
  }
  const names = ctx.deps.names ?? randomContainerName;
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const name = names(attempt);
    if (!ctx.store.nameTaken(name)) {
      ctx.store.reserveName(name, id);
      return name;
    }
  }
  // Astronomically unlikely with Docker's word lists; fall back to the short ID like moby does.
  const fallback = id.slice(0, 12);
  ctx.store.reserveName(fallback, id);
  return fallback;
}

/**
 * Checks the network mode and endpoints before anything is made: another container to share
 * with, or networks that exist (moby answers `network x not found` at create, not at start).
 * Endpoints and the primary network are recorded by name, so connect/disconnect and inspect
 * match them whichever reference (ID, prefix, name) the client used.
 */
async function resolveNetworks(ctx: ContainerContext, spec: ContainerSpec): Promise<void> {
  const mode = spec.networkMode;
  if (mode === 'none' || mode === 'host') return;
  if (mode.startsWith('container:')) {
    const other = ctx.store.resolve(mode.slice('container:'.length));
    if (other.spec.networkMode.startsWith('container:')) {
      throw new InvalidArgumentError(
        `cannot join the network of ${other.spec.name}: it shares another container's network itself`,
      );
    }
    return;
  }
  const network = ctx.deps.network;
  if (!network) {
    throw new InvalidArgumentError(
      `network mode ${JSON.stringify(mode)} needs the network manager, which this engine runs without: use network mode "none" or "host"`,
    );
  }
  if (!spec.endpoints.some((e) => e.network === mode) && mode !== BuiltInNetwork.Bridge) {
    spec.networkMode = (await network.getNetwork(mode)).name;
  }
  for (const endpoint of spec.endpoints) {
    // The default bridge always exists: no lookup on the hot path of a plain create.
    const info =
      endpoint.network === BuiltInNetwork.Bridge
        ? { name: endpoint.network, driver: 'bridge', builtIn: true }
        : await network.getNetwork(endpoint.network);
    if (info.driver !== 'bridge') {
      throw new InvalidArgumentError(
        `network ${info.name} (driver ${info.driver}) cannot be combined with other networks: use --network ${info.name} alone`,
      );
    }
    if (info.builtIn && endpoint.aliases.length > 0) {
      throw new InvalidArgumentError(
        `network-scoped aliases are supported only for containers in user defined networks, not on ${info.name} (aliases ${endpoint.aliases.join(', ')})`,
      );
    }
    if (info.builtIn && endpoint.ipv4Address) {
      throw new InvalidArgumentError(
        `user specified IP address ${endpoint.ipv4Address} is supported on user defined networks only, not on ${info.name}`,
      );
    }
    if (spec.networkMode === endpoint.network) spec.networkMode = info.name;
    endpoint.network = info.name;
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length === 0;
}

/**
 * Docker's copy-up: an empty volume mounted where the image has files starts as a copy of them
 * (moby `copyExistingContents`), so images that ship defaults under a VOLUME keep working.
 */
async function copyImageContent(rootView: RootView, target: string, volumeDir: string): Promise<void> {
  if (!(await isEmptyDir(volumeDir))) return;
  const resolved = await resolveContainerPath(rootView, target, { followFinal: true });
  const st = await stat(resolved.hostPath).catch(() => undefined);
  if (!st?.isDirectory() || (await isEmptyDir(resolved.hostPath))) return;
  await runCommand('cp', ['-a', '--', `${resolved.hostPath}/.`, `${volumeDir}/`]);
}

/** Volumes get created (named ones on first use, anonymous ones always); bind sources that are missing are created as Docker's `Binds` do. */
async function resolveMounts(
  ctx: ContainerContext,
  spec: ContainerSpec,
  createdVolumes: string[],
): Promise<{ mounts: MountSpec[]; resolved: ResolvedMount[] }> {
  const mounts: MountSpec[] = [];
  const resolved: ResolvedMount[] = [];
  for (const m of spec.mounts) {
    if (m.type === 'volume') {
      const existing = m.anonymous || !m.name ? undefined : await ctx.volumes.find(m.name);
      const volume = existing ?? (await ctx.volumes.create(m.anonymous || !m.name ? {} : { name: m.name }));
      if (!existing) createdVolumes.push(volume.name);
      mounts.push({ ...m, name: volume.name });
      resolved.push({
        type: 'volume',
        name: volume.name,
        source: volume.mountpoint,
        destination: m.target,
        mode: m.readOnly ? 'ro' : 'z',
        rw: !m.readOnly,
        propagation: '',
      });
    } else if (m.type === 'bind') {
      if (!path.isAbsolute(m.source)) {
        throw new InvalidArgumentError(
          `invalid bind mount source ${JSON.stringify(m.source)}: it must be an absolute host path`,
        );
      }
      await stat(m.source).catch(async (err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
        await mkdir(m.source, { recursive: true });
      });
      mounts.push(m);
      resolved.push({
        type: 'bind',
        source: m.source,
        destination: m.target,
        mode: m.readOnly ? 'ro' : '',
        rw: !m.readOnly,
        propagation: m.propagation ?? 'rprivate',
      });
    } else {
      mounts.push(m);
      resolved.push({
        type: 'tmpfs',
        source: '',
        destination: m.target,
        mode: '',
        rw: true,
        propagation: '',
      });
    }
  }
  return { mounts, resolved };
}

/**
 * `POST /containers/create`: name reserved first (so concurrent creates cannot share one), the
 * image resolved and merged, volumes created, the rootfs prepared and mounted (a created
 * container already accepts archive uploads), `/etc` files written for `none`/`host`, then the
 * record. Anything that fails undoes what was done.
 */
export async function createContainer(
  ctx: ContainerContext,
  input: ContainerCreateInput,
): Promise<{ id: string; warnings: string[] }> {
  const id = ctx.newId();
  const name = reserveName(ctx, input, id);
  const createdVolumes: string[] = [];
  let rootfsPrepared = false;
  try {
    const image = await ctx.deps.imageStore.get(input.image);
    checkPlatform(image, input.platform, input.image);
    const merged = mergeCreateInput(input, image, { id, name });
    if (merged.networkMode === 'host' && !input.hostname) merged.hostname = os.hostname();
    await resolveNetworks(ctx, merged);
    const { mounts, resolved } = await resolveMounts(ctx, merged, createdVolumes);
    const spec: ContainerSpec = { ...merged, mounts };

    const rootfs = await ctx.deps.rootfs.prepare(
      id,
      image.layers.map((l) => l.chainId),
    );
    rootfsPrepared = true;
    const rootView: RootView = { root: rootfs.mountpoint, mounts: [] };
    for (const m of resolved) {
      if (m.type === 'volume') await copyImageContent(rootView, m.destination, m.source);
    }

    const dir = ctx.scratchDir(id);
    let hostsPath = '';
    let hostnamePath = '';
    let resolvConfPath = '';
    if (spec.networkMode === 'none' || spec.networkMode === 'host') {
      const files = await etcFilesFor(spec.networkMode, {
        hostname: spec.hostname,
        domainname: spec.domainname,
        extraHosts: spec.extraHosts,
        resolv: { dns: spec.dns, dnsSearch: spec.dnsSearch, dnsOptions: spec.dnsOptions },
      });
      hostsPath = path.join(dir, 'hosts');
      hostnamePath = path.join(dir, 'hostname');
      resolvConfPath = path.join(dir, 'resolv.conf');
      await Promise.all([
        writeFile(hostsPath, files.hosts, { mode: 0o644 }),
        writeFile(hostnamePath, files.hostname, { mode: 0o644 }),
        writeFile(resolvConfPath, files.resolvConf, { mode: 0o644 }),
      ]);
    }

    const argv = [...spec.entrypoint, ...spec.cmd];
    const record: ContainerRecord = {
      id,
      created: ctx.timestamp(),
      spec,
      state: {
        status: 'created',
        pid: 0,
        exitCode: 0,
        error: '',
        oomKilled: false,
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
        restartCount: 0,
        health: undefined,
      },
      path: argv[0] ?? '',
      args: argv.slice(1),
      ports: [],
      endpoints: [],
      mounts: resolved,
      hostsPath,
      hostnamePath,
      resolvConfPath,
      logPath: path.join(ctx.store.containerDir(id), 'container.log'),
      runtime: ctx.deps.runtime.name,
    };
    const live = ctx.liveOf(record);
    live.rootfsMounted = rootfs.mounted;
    live.rootfsPath = rootfs.mountpoint;
    await ctx.store.insert(record);
    ctx.publish('create', record);
    ctx.logger.debug({ containerId: id, name }, 'container created');
    return { id, warnings: [] };
  } catch (err: unknown) {
    ctx.store.releaseName(name, id);
    ctx.live.delete(id);
    await ctx.store.remove(id).catch(() => undefined);
    if (rootfsPrepared) {
      await releaseScratch(ctx, id).catch((e: unknown) =>
        ctx.logger.warn({ containerId: id, err: e }, 'cannot release the rootfs of a failed create'),
      );
    }
    for (const v of createdVolumes) await ctx.volumes.remove(v, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Host directories of the container's volumes, by volume name (for the OCI mounts). */
export function volumePathsOf(record: ContainerRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of record.mounts) if (m.type === 'volume' && m.name) out[m.name] = m.source;
  return out;
}

/**
 * Unmounts and deletes the rootfs, then the rest of the container's scratch dir (bundle, /etc
 * files). The rm only runs after the rootfs manager confirmed nothing is mounted below.
 */
export async function releaseScratch(ctx: ContainerContext, id: string): Promise<void> {
  await ctx.deps.rootfs.release(id);
  await rm(ctx.scratchDir(id), { recursive: true, force: true });
}
