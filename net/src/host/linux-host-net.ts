import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { isErrno } from '../errors.js';
import { formatIpv4 } from '../ipv4.js';
import { type CommandLauncher, childProcessLauncher } from './command-launcher.js';
import type { AddressInfo, HostNet, HostOp, LinkInfo, NetnsOp, RouteInfo } from './host-net.js';
import { hostOpLines, netnsOpLines, renderBatch } from './ip-batch.js';
import { runHostCommand } from './run-host-command.js';

const NETNS_DIR = '/run/netns';

interface IpLinkJson {
  ifname: string;
  ifalias?: string;
  master?: string;
}

/**
 * `HostNet` on a real Linux kernel: iproute2 for links and namespaces, /proc/sys, iptables. The
 * binaries are started through `launch` (child_process by default; the engine passes a cheaper one).
 */
export class LinuxHostNet implements HostNet {
  constructor(
    private readonly ipBinary = 'ip',
    private readonly launch: CommandLauncher = childProcessLauncher,
  ) {}

  private run(
    file: string,
    args: readonly string[],
    options: { input?: string; allowFailure?: boolean } = {},
  ) {
    return runHostCommand(file, args, { ...options, launch: this.launch });
  }

  async apply(ops: HostOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.run(this.ipBinary, ['-batch', '-'], { input: renderBatch(ops, hostOpLines) });
  }

  async applyInNetns(netns: string, ops: NetnsOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.run(this.ipBinary, ['-n', netns, '-batch', '-'], {
      input: renderBatch(ops, netnsOpLines),
    });
  }

  async deleteNetns(name: string): Promise<void> {
    const result = await this.run(this.ipBinary, ['netns', 'del', name], { allowFailure: true });
    if (result.exitCode !== 0 && !/No such file/.test(result.stderr)) {
      await this.run(this.ipBinary, ['netns', 'del', name]);
    }
  }

  netnsPath(name: string): string {
    return path.join(NETNS_DIR, name);
  }

  async listNetns(): Promise<string[]> {
    try {
      return await readdir(NETNS_DIR);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  async listLinks(): Promise<LinkInfo[]> {
    const { stdout } = await this.run(this.ipBinary, ['-j', 'link', 'show']);
    const links = JSON.parse(stdout || '[]') as IpLinkJson[];
    return links.map((l) => ({ name: l.ifname, alias: l.ifalias, master: l.master }));
  }

  async linkExists(name: string): Promise<boolean> {
    try {
      await stat(path.join('/sys/class/net', name));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /**
   * Routes from /proc/net/route (the main table, the same list Docker checks for overlaps) and
   * addresses from getifaddrs: two file reads instead of an `ip` process on the create path.
   */
  async ipv4Routes(): Promise<{ routes: RouteInfo[]; addresses: AddressInfo[] }> {
    const table = await readFile('/proc/net/route', 'utf8');
    const routes: RouteInfo[] = [];
    for (const line of table.split('\n').slice(1)) {
      const [dev, dest, , , , , , mask] = line.trim().split(/\s+/);
      if (!dev || !dest || !mask) continue;
      const prefix = popcount(hexLe(mask));
      routes.push({ dst: prefix === 0 ? 'default' : `${formatIpv4(hexLe(dest))}/${prefix}`, dev });
    }
    const addresses: AddressInfo[] = [];
    for (const [dev, infos] of Object.entries(networkInterfaces())) {
      for (const info of infos ?? []) {
        if (info.family !== 'IPv4' || !info.cidr) continue;
        addresses.push({ dev, address: info.address, prefix: Number(info.cidr.split('/')[1]) });
      }
    }
    return { routes, addresses };
  }

  async readSysctl(key: string): Promise<string | undefined> {
    try {
      return (await readFile(sysctlPath(key), 'utf8')).trim();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async writeSysctl(key: string, value: string): Promise<void> {
    await writeFile(sysctlPath(key), value);
  }

  async iptablesRestore(table: 'filter' | 'nat', rules: string): Promise<void> {
    await this.run('iptables-restore', ['--wait', '--noflush'], {
      input: `*${table}\n${rules.trimEnd()}\nCOMMIT\n`,
    });
  }

  async iptables(args: string[]): Promise<boolean> {
    const result = await this.run('iptables', ['--wait', ...args], { allowFailure: true });
    return result.exitCode === 0;
  }
}

/** /proc/net/route prints addresses as host-order (little-endian) hex. */
function hexLe(hex: string): number {
  const n = Number.parseInt(hex, 16);
  return (
    (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | ((n >>> 24) & 0xff)) >>> 0
  );
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m = (m << 1) >>> 0) count += 1;
  return count;
}

function sysctlPath(key: string): string {
  if (!/^[a-z0-9_.-]+$/i.test(key)) throw new Error(`invalid sysctl key ${key}`);
  return path.join('/proc/sys', ...key.split('.'));
}
