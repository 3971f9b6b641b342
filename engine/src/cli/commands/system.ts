import { API_VERSION, ENGINE_VERSION } from '../../constants.js';
import type { CliContext } from '../cli-context.js';
import { jsonLine, out } from '../output.js';

interface VersionWire {
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
  Components: { Name: string; Version: string; Details?: Record<string, string> }[];
}

function pad(label: string, width: number): string {
  return `${label}:`.padEnd(width);
}

/** `skiff version`: client and server sections, as `docker version` prints them. */
export async function version(ctx: CliContext, flags: { format?: string; json?: boolean }): Promise<number> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const client = {
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    NodeVersion: process.version,
    Os: 'linux',
    Arch: arch,
  };
  const server = await ctx.client.json<VersionWire>('GET', '/version');
  if (flags.json || flags.format === 'json') {
    out(jsonLine({ Client: client, Server: server }));
    return 0;
  }
  const lines = [
    'Client:',
    ` ${pad('Version', 19)}${client.Version}`,
    ` ${pad('API version', 19)}${client.ApiVersion}`,
    ` ${pad('Node version', 19)}${client.NodeVersion}`,
    ` ${pad('OS/Arch', 19)}${client.Os}/${client.Arch}`,
    '',
    'Server: Skiff Engine',
    ' Engine:',
    `  ${pad('Version', 18)}${server.Version}`,
    `  ${pad('API version', 18)}${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
    `  ${pad('Node version', 18)}${server.GoVersion.replace(/^node /, '')}`,
    `  ${pad('OS/Arch', 18)}${server.Os}/${server.Arch}`,
    `  ${pad('Kernel', 18)}${server.KernelVersion}`,
    `  ${pad('Started', 18)}${server.BuildTime}`,
  ];
  for (const c of server.Components.filter((c) => c.Name !== 'Engine')) {
    lines.push(` ${c.Name}:`, `  ${pad('Version', 18)}${c.Version}`);
  }
  out(`${lines.join('\n')}\n`);
  return 0;
}

interface InfoWire {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  ServerVersion: string;
  Driver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  Runtimes: Record<string, unknown>;
  DefaultRuntime: string;
  KernelVersion: string;
  OperatingSystem: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  DockerRootDir: string;
  Name: string;
  Labels: string[];
}

/** `skiff info`. */
export async function info(ctx: CliContext, flags: { format?: string; json?: boolean }): Promise<number> {
  const i = await ctx.client.json<InfoWire>('GET', '/info');
  if (flags.json || flags.format === 'json') {
    out(jsonLine(i));
    return 0;
  }
  const lines = [
    'Server:',
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ` Runtimes: ${Object.keys(i.Runtimes).join(' ')}`,
    ` Default Runtime: ${i.DefaultRuntime}`,
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${(i.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
    ` Name: ${i.Name}`,
    ` ID: ${i.ID}`,
    ` Skiff Root Dir: ${i.DockerRootDir}`,
    ` Socket: unix://${ctx.socketPath}`,
    ' Labels:',
    ...i.Labels.map((l) => `  ${l}`),
  ];
  out(`${lines.join('\n')}\n`);
  return 0;
}
