import { listHostDevices } from '../os/host-devices.js';
import { gatherHostFacts } from '../runtime/host-facts.js';
import type { HostFacts } from '../runtime/oci-spec.js';
import type { OciDevice } from '../runtime/oci-spec-types.js';

/**
 * The host facts the OCI spec depends on, gathered once per engine (they do not change while
 * it runs); the device list, needed only by privileged containers, on first use.
 */
export class HostFactsCache {
  private base: Promise<HostFacts> | undefined;
  private devices: Promise<OciDevice[]> | undefined;

  async get(privileged: boolean): Promise<HostFacts> {
    this.base ??= gatherHostFacts();
    const base = await this.base;
    if (!privileged) return base;
    this.devices ??= listHostDevices();
    return { ...base, devices: await this.devices };
  }
}
