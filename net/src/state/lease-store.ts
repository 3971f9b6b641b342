import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, InvalidArgumentError, isErrno } from '../errors.js';
import { type Cidr, cidrContains, formatIpv4, parseIpv4, usableRange } from '../ipv4.js';

/** Who holds an address: the container and the sandbox (namespace) it was leased for. */
export interface LeaseHolder {
  containerId: string;
  sandbox: string;
}

export interface Lease extends LeaseHolder {
  networkId: string;
  ipAddress: string;
}

/**
 * Per-address leases as files `leases/<networkId>/<ip>`, created with O_EXCL: taking an address is
 * one atomic syscall, so concurrent engines and CLI calls never hand out the same address twice and
 * no lock is needed. Allocation walks forward from the last address handed out (Docker's order), so
 * an address just released is not reused at once.
 */
export class LeaseStore {
  private readonly dir: string;
  private readonly cursors = new Map<string, number>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'leases');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async lease(
    networkId: string,
    networkName: string,
    subnet: Cidr,
    gateway: number,
    holder: LeaseHolder,
    requested?: string,
  ): Promise<string> {
    const dir = path.join(this.dir, networkId);
    if (!this.cursors.has(networkId)) await mkdir(dir, { recursive: true });
    const { first, last } = usableRange(subnet);
    if (requested !== undefined) {
      const address = parseIpv4(requested);
      if (address === undefined)
        throw new InvalidArgumentError(`invalid IPv4 address ${JSON.stringify(requested)}`);
      if (!cidrContains(subnet, address) || address < first || address > last || address === gateway) {
        throw new InvalidArgumentError(
          `address ${requested} is not a usable address of network ${networkName}; pick one inside its subnet other than the gateway`,
        );
      }
      if (!(await this.tryTake(dir, requested, holder))) {
        throw new ConflictError(`Address already in use: ${requested} on network ${networkName}`);
      }
      return requested;
    }
    const span = last - first + 1;
    const start = this.cursors.get(networkId) ?? first;
    // Usually the address at the cursor is free: try it directly, and list the directory only
    // when it is not (another process leased it, or the walk wrapped around).
    let taken: Set<string> | undefined;
    for (let i = 0; i < span; i++) {
      const address = first + ((start - first + i) % span);
      if (address === gateway) continue;
      const ip = formatIpv4(address);
      if (taken?.has(ip)) continue;
      if (await this.tryTake(dir, ip, holder)) {
        this.cursors.set(networkId, address + 1 > last ? first : address + 1);
        return ip;
      }
      taken ??= new Set(await readdir(dir));
    }
    throw new ConflictError(
      `no available IPv4 addresses on network ${networkName}: remove containers or use a larger subnet`,
    );
  }

  async release(networkId: string, ipAddress: string, holder: LeaseHolder): Promise<void> {
    const file = path.join(this.dir, networkId, ipAddress);
    const current = await this.read(file);
    if (current && current.sandbox === holder.sandbox) await rm(file, { force: true });
  }

  async list(networkId?: string): Promise<Lease[]> {
    const networks = networkId ? [networkId] : await readdir(this.dir).catch(() => [] as string[]);
    const leases: Lease[] = [];
    for (const id of networks) {
      const ips = await readdir(path.join(this.dir, id)).catch(() => [] as string[]);
      for (const ip of ips) {
        const holder = await this.read(path.join(this.dir, id, ip));
        if (holder) leases.push({ networkId: id, ipAddress: ip, ...holder });
      }
    }
    return leases;
  }

  async networkIds(): Promise<string[]> {
    return readdir(this.dir).catch(() => [] as string[]);
  }

  async removeNetwork(networkId: string): Promise<void> {
    await rm(path.join(this.dir, networkId), { recursive: true, force: true });
  }

  private async tryTake(dir: string, ip: string, holder: LeaseHolder): Promise<boolean> {
    try {
      const fh = await open(path.join(dir, ip), 'wx', 0o644).catch(async (err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
        await mkdir(dir, { recursive: true });
        return open(path.join(dir, ip), 'wx', 0o644);
      });
      try {
        await fh.writeFile(JSON.stringify(holder));
      } finally {
        await fh.close();
      }
      return true;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return false;
      throw err;
    }
  }

  private async read(file: string): Promise<LeaseHolder | undefined> {
    try {
      const text = await readFile(file, 'utf8');
      // A lease being written (created, not yet filled) is held by a live writer.
      if (text.length === 0) return { containerId: '', sandbox: '' };
      return JSON.parse(text) as LeaseHolder;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }
}
