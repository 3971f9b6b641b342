import { createHash } from 'node:crypto';
import { Label } from '../constants.js';
import type { WireCreateContainerBody, WireHostConfig } from '../engine/wire-types.js';
import type { ContainerRequest } from './container-request.js';
import { portKey } from './port.js';

const MS_TO_NS = 1_000_000;

/** Networks the engine defines itself; anything else is a user network (aliases allowed). */
const BUILTIN_NETWORK_MODES = /^(default|bridge|host|none|container:.+)$/;

export interface CreateContext {
  image: string;
  publishHostIp: string | undefined;
  defaultNetwork: string | undefined;
  /** Labels of the session (omitted for reuse and `withAutoCleanup(false)`). */
  sessionLabels: Readonly<Record<string, string>>;
  /** Extra `host:ip` entries added by core (host-port exposure). */
  extraHosts: string[];
}

/** Maps a request to the create call's body (wire shape), exactly what is sent. */
export function toCreateBody(request: ContainerRequest, ctx: CreateContext): WireCreateContainerBody {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: NonNullable<WireHostConfig['PortBindings']> = {};
  for (const p of request.exposedPorts) {
    const key = portKey(p.container, p.protocol);
    exposed[key] = {};
    bindings[key] = [
      {
        HostPort: p.host === undefined ? '0' : String(p.host),
        ...(ctx.publishHostIp ? { HostIp: ctx.publishHostIp } : {}),
      },
    ];
  }
  const networkMode = request.networkMode ?? ctx.defaultNetwork;
  const userNetwork = networkMode !== undefined && !BUILTIN_NETWORK_MODES.test(networkMode);
  const hostConfig: WireHostConfig = {
    AutoRemove: false,
    PortBindings: bindings,
    ...(networkMode ? { NetworkMode: networkMode } : {}),
    ...(request.bindMounts.length > 0
      ? { Binds: request.bindMounts.map((b) => `${b.source}:${b.target}:${b.mode ?? 'rw'}`) }
      : {}),
    ...(Object.keys(request.tmpfs).length > 0 ? { Tmpfs: request.tmpfs } : {}),
    ...(request.extraHosts.length + ctx.extraHosts.length > 0
      ? { ExtraHosts: [...request.extraHosts.map((h) => `${h.host}:${h.ipAddress}`), ...ctx.extraHosts] }
      : {}),
    ...(request.privileged ? { Privileged: true } : {}),
    ...(request.addedCapabilities.length > 0 ? { CapAdd: request.addedCapabilities } : {}),
    ...(request.droppedCapabilities.length > 0 ? { CapDrop: request.droppedCapabilities } : {}),
    ...(request.securityOpt.length > 0 ? { SecurityOpt: request.securityOpt } : {}),
    ...(request.resources?.memory !== undefined
      ? { Memory: Math.round(request.resources.memory * 1024 ** 3) }
      : {}),
    ...(request.resources?.cpu !== undefined ? { NanoCpus: Math.round(request.resources.cpu * 1e9) } : {}),
    ...(request.shmSize !== undefined ? { ShmSize: request.shmSize } : {}),
    ...(request.ulimits
      ? {
          Ulimits: Object.entries(request.ulimits).map(([Name, v]) => ({
            Name,
            Hard: v.hard ?? v.soft ?? 0,
            Soft: v.soft ?? v.hard ?? 0,
          })),
        }
      : {}),
    ...(request.ipcMode ? { IpcMode: request.ipcMode } : {}),
    ...(request.defaultLogDriver ? { LogConfig: { Type: 'json-file', Config: {} } } : {}),
  };
  const hc = request.healthCheck;
  return {
    Image: ctx.image,
    ...(request.command ? { Cmd: request.command } : {}),
    ...(request.entrypoint ? { Entrypoint: request.entrypoint } : {}),
    Env: Object.entries(request.environment).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: exposed,
    Labels: { ...request.labels, ...ctx.sessionLabels },
    ...(request.user ? { User: request.user } : {}),
    ...(request.workingDir ? { WorkingDir: request.workingDir } : {}),
    ...(request.hostname ? { Hostname: request.hostname } : {}),
    ...(hc
      ? {
          Healthcheck: {
            Test: hc.test,
            ...(hc.interval !== undefined ? { Interval: hc.interval * MS_TO_NS } : {}),
            ...(hc.timeout !== undefined ? { Timeout: hc.timeout * MS_TO_NS } : {}),
            ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
            ...(hc.startPeriod !== undefined ? { StartPeriod: hc.startPeriod * MS_TO_NS } : {}),
          },
        }
      : {}),
    HostConfig: hostConfig,
    ...(userNetwork && request.networkAliases.length > 0
      ? { NetworkingConfig: { EndpointsConfig: { [networkMode]: { Aliases: request.networkAliases } } } }
      : {}),
  };
}

/**
 * The reuse key: sha256 over everything that shapes the container — the whole create body
 * (host config included), name, platform and the bytes of every copied file. testcontainers hashes
 * only the top-level create options, so containers differing in binds, ports or copied files
 * collide there.
 */
export function containerHash(
  body: WireCreateContainerBody,
  extra: { name: string | undefined; platform: string | undefined; copyArchive: Buffer | undefined },
): string {
  const hash = createHash('sha256');
  const { [Label.ContainerHash]: _ignored, ...labels } = body.Labels ?? {};
  hash.update(JSON.stringify({ ...body, Labels: labels, name: extra.name, platform: extra.platform }));
  if (extra.copyArchive) hash.update(extra.copyArchive);
  return hash.digest('hex');
}
