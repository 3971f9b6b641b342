import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import { listHostDevices } from '../os/host-devices.js';
import { ALL_CAPABILITIES } from '../runtime/capabilities.js';
import type { HostFacts } from '../runtime/oci-spec.js';
import type { OciCapabilities, OciDevice } from '../runtime/oci-spec-types.js';

/**
 * The host facts the OCI spec depends on, read once per engine: they do not change while it
 * runs. The device list (privileged containers only) is read on first use.
 */
export class HostFactsCache {
  private base: Promise<Omit<HostFacts, 'devices'>> | undefined;
  private devices: Promise<OciDevice[]> | undefined;
  private bounding: Promise<Set<string>> | undefined;

  /**
   * The capabilities this engine itself may hand out (its bounding set). A privileged container
   * asks for "all of them", but on a host that runs the engine without some (CAP_SYS_RESOURCE in
   * some sandboxes) the runtime's capset would fail: such containers get what the engine has.
   */
  async boundingCapabilities(): Promise<Set<string>> {
    this.bounding ??= readFile('/proc/self/status', 'utf8').then((status) => {
      const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
      const mask = hex ? BigInt(`0x${hex}`) : (1n << BigInt(ALL_CAPABILITIES.length)) - 1n;
      return new Set(ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
    });
    return this.bounding;
  }

  /** Drops from every set the capabilities outside the engine's bounding set. */
  async limitToBounding(caps: OciCapabilities): Promise<void> {
    const bounding = await this.boundingCapabilities();
    for (const key of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
      const list = caps[key];
      if (list) caps[key] = list.filter((c) => bounding.has(c));
    }
  }

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
