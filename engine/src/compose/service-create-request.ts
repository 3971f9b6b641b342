import type {
  ContainerCreateBody,
  WireEndpointSettings,
  WireMount,
  WirePortMap,
} from '../api/wire/container-wire.js';
import type { HealthConfig } from '../images/image-config.js';
import type { ComposeProject, HealthcheckConfig, ServiceConfig, ServiceMount } from './compose-model.js';

/** `5432/tcp`. */
export function portKey(port: number, protocol: string): string {
  return `${port}/${protocol}`;
}

function healthConfig(hc: HealthcheckConfig): HealthConfig {
  const out: HealthConfig = {};
  if (hc.test) out.Test = hc.test;
  if (hc.intervalNs !== undefined) out.Interval = hc.intervalNs;
  if (hc.timeoutNs !== undefined) out.Timeout = hc.timeoutNs;
  if (hc.startPeriodNs !== undefined) out.StartPeriod = hc.startPeriodNs;
  if (hc.startIntervalNs !== undefined) out.StartInterval = hc.startIntervalNs;
  if (hc.retries !== undefined) out.Retries = hc.retries;
  return out;
}

function wireMount(project: ComposeProject, m: ServiceMount): WireMount {
  if (m.type === 'bind') return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly };
  if (m.type === 'volume') {
    const mount: WireMount = { Type: 'volume', Target: m.target, ReadOnly: m.readOnly };
    if (m.source !== '') mount.Source = project.volumes[m.source]?.name ?? m.source;
    if (m.noCopy) mount.VolumeOptions = { NoCopy: true };
    return mount;
  }
  const options: { SizeBytes?: number; Mode?: number } = {};
  if (m.sizeBytes !== undefined) options.SizeBytes = m.sizeBytes;
  if (m.mode !== undefined) options.Mode = m.mode;
  return { Type: 'tmpfs', Target: m.target, TmpfsOptions: options };
}

function restartPolicy(restart: string): { Name: string; MaximumRetryCount?: number } {
  const [name = 'no', count] = restart.split(':');
  return count === undefined ? { Name: name } : { Name: name, MaximumRetryCount: Number(count) };
}

/**
 * A compose service → the `POST /containers/create` body (the wire shape the docker CLI sends).
 * `image` is what to run (the built tag for a service with `build`); `labels` are the
 * environment's labels to add. The first network is the primary one (`NetworkMode`); every
 * network gets the service name as an alias so services reach each other by it.
 */
export function serviceCreateRequest(
  project: ComposeProject,
  service: ServiceConfig,
  image: string,
  labels: Record<string, string>,
): ContainerCreateBody {
  const exposed: Record<string, object> = {};
  const bindings: WirePortMap = {};
  for (const p of service.ports) {
    const key = portKey(p.target, p.protocol);
    exposed[key] = {};
    const list = bindings[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: p.published === 0 ? '' : String(p.published) });
    bindings[key] = list;
  }
  for (const e of service.expose) {
    const [port = '', protocol = 'tcp'] = e.split('/');
    exposed[portKey(Number(port), protocol)] = {};
  }

  const mounts = service.mounts.map((m) => wireMount(project, m));

  const endpoints: Record<string, WireEndpointSettings> = {};
  for (const [key, net] of Object.entries(service.networks)) {
    const name = project.networks[key]?.name ?? key;
    const endpoint: WireEndpointSettings = { Aliases: [service.name, ...net.aliases] };
    if (net.ipv4Address) endpoint.IPAMConfig = { IPv4Address: net.ipv4Address };
    endpoints[name] = endpoint;
  }
  const primary = Object.keys(endpoints)[0];

  const body: ContainerCreateBody = {
    Image: image,
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: { ...service.labels, ...labels },
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Mounts: mounts,
      Tmpfs: service.tmpfs,
      ExtraHosts: service.extraHosts,
      CapAdd: service.capAdd,
      CapDrop: service.capDrop,
      Dns: service.dns,
      Sysctls: service.sysctls,
      ...(primary ? { NetworkMode: primary } : {}),
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  const host = body.HostConfig ?? {};
  if (service.command) body.Cmd = service.command;
  if (service.entrypoint) body.Entrypoint = service.entrypoint;
  if (service.healthcheck) body.Healthcheck = healthConfig(service.healthcheck);
  if (service.user !== undefined) body.User = service.user;
  if (service.workingDir !== undefined) body.WorkingDir = service.workingDir;
  if (service.hostname !== undefined) body.Hostname = service.hostname;
  if (service.domainname !== undefined) body.Domainname = service.domainname;
  if (service.stopSignal !== undefined) body.StopSignal = service.stopSignal;
  if (service.stopGracePeriodNs !== undefined) body.StopTimeout = Math.ceil(service.stopGracePeriodNs / 1e9);
  if (service.tty !== undefined) body.Tty = service.tty;
  if (service.stdinOpen !== undefined) body.OpenStdin = service.stdinOpen;
  if (service.init !== undefined) host.Init = service.init;
  if (service.restart !== undefined) host.RestartPolicy = restartPolicy(service.restart);
  if (service.privileged !== undefined) host.Privileged = service.privileged;
  if (service.readOnly !== undefined) host.ReadonlyRootfs = service.readOnly;
  if (service.shmSizeBytes !== undefined) host.ShmSize = service.shmSizeBytes;
  if (service.logging) host.LogConfig = { Type: service.logging.driver, Config: service.logging.options };
  if (service.memLimitBytes !== undefined) host.Memory = service.memLimitBytes;
  if (service.cpus !== undefined) host.NanoCpus = Math.round(service.cpus * 1e9);
  return body;
}
