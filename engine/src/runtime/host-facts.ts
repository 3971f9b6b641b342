import { access, readFile } from 'node:fs/promises';
import { arch, hostname, release } from 'node:os';
import { listHostDevices } from '../os/host-devices.js';
import { readBoundingCapabilities } from './capabilities.js';
import type { HostFacts } from './oci-spec.js';

/**
 * Gathers, once per engine, the host facts OCI specs depend on. Host devices (for privileged
 * containers) are listed lazily by the caller with `listHostDevices` when one is created.
 */
export async function gatherHostFacts(options: { withDevices?: boolean } = {}): Promise<HostFacts> {
  const lastCap = Number.parseInt(
    await readFile('/proc/sys/kernel/cap_last_cap', 'utf8').catch(() => ''),
    10,
  );
  const swapLimit = await access('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes').then(
    () => true,
    async () =>
      access('/sys/fs/cgroup/cgroup.controllers').then(
        () => true,
        () => false,
      ),
  );
  const facts: HostFacts = { arch: arch(), kernel: release(), hostname: hostname(), swapLimit };
  const bounding = await readBoundingCapabilities();
  if (bounding) facts.boundingCapabilities = bounding;
  if (Number.isInteger(lastCap) && lastCap > 0) facts.lastCap = lastCap;
  if (options.withDevices) facts.devices = await listHostDevices();
  return facts;
}
