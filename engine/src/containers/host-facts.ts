import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import { listHostDevices } from '../os/host-devices.js';
import type { HostFacts } from '../runtime/oci-spec.js';
import type { OciDevice } from '../runtime/oci-spec-types.js';

/**
 * The host facts the OCI spec depends on, read once per engine: they do not change while it
 * runs. The device list (privileged containers only) is read on first use.
 */
export class HostFactsCache {
  private base: Promise<Omit<HostFacts, 'devices'>> | undefined;
  private devices: Promise<OciDevice[]> | undefined;

  async get(privileged: boolean): Promise<HostFacts> {
    this.base ??= (async () => {
      const lastCap = Number(
        (await readFile('/proc/sys/kernel/cap_last_cap', 'utf8').catch(() => '')).trim(),
      );
      const swapLimit = await access('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes').then(
        () => true,
        () => false,
      );
      return {
        arch: process.arch,
        kernel: os.release(),
        hostname: os.hostname(),
        ...(Number.isInteger(lastCap) && lastCap > 0 ? { lastCap } : {}),
        swapLimit,
      };
    })();
    const base = await this.base;
    if (!privileged) return base;
    this.devices ??= listHostDevices();
    return { ...base, devices: await this.devices };
  }
}
