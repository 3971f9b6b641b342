import type { Logger } from 'pino';
import { errorMessage } from './errors.js';
import type { HostNet } from './host/host-net.js';
import type { ResourceNames } from './resource-names.js';
import type { LeaseStore } from './state/lease-store.js';
import type { NetworkStore } from './state/network-store.js';
import { isAlive } from './state/process-identity.js';
import type { SandboxStore } from './state/sandbox-store.js';

export interface RecoveryDeps {
  host: HostNet;
  names: ResourceNames;
  networks: NetworkStore;
  sandboxes: SandboxStore;
  leases: LeaseStore;
  logger: Logger;
}

export interface RecoveryReport {
  sandboxes: number;
  namespaces: string[];
  links: string[];
  leases: number;
}

/**
 * Removes what a crashed (or SIGKILLed) owner of this state dir left behind: sandboxes whose owner
 * process is gone, namespaces and veths carrying this engine's id that no live sandbox claims,
 * bridges of networks that have no record any more, and leases nobody holds. Objects of other
 * engines — any name without this engine's id — are never touched.
 */
export async function recover(deps: RecoveryDeps): Promise<RecoveryReport> {
  const { host, names, logger } = deps;
  const report: RecoveryReport = { sandboxes: 0, namespaces: [], links: [], leases: 0 };
  const records = await deps.sandboxes.list();
  const live = records.filter((r) => isAlive(r.owner));
  for (const dead of records.filter((r) => !live.includes(r))) {
    if (dead.netns) await host.deleteNetns(dead.netns).catch(() => {});
    await deps.sandboxes.remove(dead);
    report.sandboxes += 1;
  }

  const liveNetns = new Set(live.map((r) => r.netns).filter((n): n is string => n !== undefined));
  const prefix = names.netnsPrefix();
  for (const ns of await host.listNetns()) {
    if (!ns.startsWith(prefix) || liveNetns.has(ns)) continue;
    await host
      .deleteNetns(ns)
      .catch((err: unknown) =>
        logger.warn({ netns: ns, err: errorMessage(err) }, 'could not delete namespace'),
      );
    report.namespaces.push(ns);
  }

  const liveVeths = new Set(live.flatMap((r) => r.endpoints.map((e) => e.hostVeth)));
  const networkIds = new Set((await deps.networks.list()).map((n) => n.id));
  for (const link of await host.listLinks()) {
    const networkId = names.ownedNetworkId(link.alias);
    const orphanBridge = networkId !== undefined && !networkIds.has(networkId);
    // Veths of deleted namespaces vanish on their own a little later; deleting them is harmless.
    const orphanVeth = names.ownsVeth(link.alias) && !liveVeths.has(link.name);
    if (!orphanBridge && !orphanVeth) continue;
    try {
      await host.apply([{ op: 'link-del', name: link.name }]);
      report.links.push(link.name);
    } catch (err) {
      if (await host.linkExists(link.name))
        logger.warn({ link: link.name, err: errorMessage(err) }, 'could not delete link');
    }
  }

  const liveHolders = new Set(live.map((r) => r.netns ?? r.containerId));
  for (const id of await deps.leases.networkIds()) {
    if (!networkIds.has(id)) {
      await deps.leases.removeNetwork(id);
      continue;
    }
    for (const lease of await deps.leases.list(id)) {
      if (liveHolders.has(lease.sandbox)) continue;
      await deps.leases.release(id, lease.ipAddress, lease);
      report.leases += 1;
    }
  }
  if (report.sandboxes + report.namespaces.length + report.links.length + report.leases > 0) {
    logger.info(report, 'removed what a previous engine process left behind');
  }
  return report;
}
