import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { AddressInfo, HostNet, HostOp, LinkInfo, NetnsOp, RouteInfo } from './host-net.js';
import { hostOpLines, netnsOpLines, renderBatch } from './ip-batch.js';
import { runHostCommand } from './run-host-command.js';

const NETNS_DIR = '/run/netns';

interface IpLinkJson {
  ifname: string;
  ifalias?: string;
  master?: string;
}
interface IpRouteJson {
  dst: string;
  dev?: string;
}
interface IpAddrJson {
  ifname: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** `HostNet` on a real Linux kernel: iproute2 for links and namespaces, /proc/sys, iptables. */
export class LinuxHostNet implements HostNet {
  constructor(private readonly ipBinary = 'ip') {}

  async apply(ops: HostOp[]): Promise<void> {
    if (ops.length === 0) return;
    await runHostCommand(this.ipBinary, ['-batch', '-'], { input: renderBatch(ops, hostOpLines) });
  }

  async applyInNetns(netns: string, ops: NetnsOp[]): Promise<void> {
    if (ops.length === 0) return;
    await runHostCommand(this.ipBinary, ['-n', netns, '-batch', '-'], {
      input: renderBatch(ops, netnsOpLines),
    });
  }

  async deleteNetns(name: string): Promise<void> {
    const result = await runHostCommand(this.ipBinary, ['netns', 'del', name], { allowFailure: true });
    if (result.exitCode !== 0 && !/No such file/.test(result.stderr)) {
      await runHostCommand(this.ipBinary, ['netns', 'del', name]);
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
    const { stdout } = await runHostCommand(this.ipBinary, ['-j', 'link', 'show']);
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

  async ipv4Routes(): Promise<{ routes: RouteInfo[]; addresses: AddressInfo[] }> {
    // One process for both listings: `-j -batch` prints one JSON document per command and line.
    const { stdout } = await runHostCommand(this.ipBinary, ['-j', '-4', '-batch', '-'], {
      input: 'route show\naddr show\n',
    });
    const [routeLine, addrLine] = stdout.split('\n').filter((l) => l.trim().length > 0);
    const routes = JSON.parse(routeLine ?? '[]') as IpRouteJson[];
    const addrs = JSON.parse(addrLine ?? '[]') as IpAddrJson[];
    return {
      routes: routes.map((r) => ({ dst: r.dst, dev: r.dev })),
      addresses: addrs.flatMap((a) =>
        (a.addr_info ?? [])
          .filter((i) => i.family === 'inet' && i.local !== undefined)
          .map((i) => ({ dev: a.ifname, address: i.local!, prefix: i.prefixlen ?? 32 })),
      ),
    };
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
    await runHostCommand('iptables-restore', ['--wait', '--noflush'], {
      input: `*${table}\n${rules.trimEnd()}\nCOMMIT\n`,
    });
  }

  async iptables(args: string[]): Promise<boolean> {
    const result = await runHostCommand('iptables', ['--wait', ...args], { allowFailure: true });
    return result.exitCode === 0;
  }
}

function sysctlPath(key: string): string {
  if (!/^[a-z0-9_.-]+$/i.test(key)) throw new Error(`invalid sysctl key ${key}`);
  return path.join('/proc/sys', ...key.split('.'));
}
