import type { NetworkManager } from '@skiff/net';
import { Label } from '../constants.js';
import type { ContainerService } from '../containers/container-service.js';
import type { ImageService } from '../images/image-service.js';
import type { Logger } from '../logger.js';
import type { VolumeStore } from '../volumes/volume-store.js';

export interface SessionReaperDeps {
  containers: ContainerService;
  network: NetworkManager;
  volumes: VolumeStore;
  images: ImageService;
  logger: Logger;
}

/**
 * Removes what a session labelled (core/SESSIONS.md, "Reaping"): containers (killed, with their
 * anonymous volumes), then networks, volumes and images. Each step runs even if an earlier one
 * failed; failures are logged, never thrown, so a dead client's leftovers are removed as far as
 * possible. What is created after the listing is not the session's any more (Ryuk's rule).
 */
export function sessionReaper(deps: SessionReaperDeps): (id: string) => Promise<void> {
  return async (id) => {
    const log = deps.logger.child({ session: id });
    const selector = `${Label.Session}=${id}`;
    const step = async (what: string, fn: () => Promise<number>) => {
      try {
        const n = await fn();
        if (n > 0) log.info({ removed: n }, `session ${what} removed`);
      } catch (err) {
        log.warn({ err }, `cannot remove the session's ${what}`);
      }
    };
    await step('containers', async () => (await deps.containers.removeByLabel(Label.Session, id)).length);
    await step('networks', async () => {
      const networks = await deps.network.listNetworks({ label: [selector] });
      for (const n of networks) await deps.network.removeNetwork(n.id);
      return networks.length;
    });
    await step('volumes', async () => {
      const volumes = await deps.volumes.list({ label: [selector] });
      for (const v of volumes) await deps.volumes.remove(v.name, { force: true });
      return volumes.length;
    });
    await step('images', async () => {
      const images = await deps.images.list({ all: true, filters: { label: [selector] } });
      for (const image of images) await deps.images.remove(image.id, { force: true });
      return images.length;
    });
  };
}
