import { Label } from '../constants.js';
import { listContainers, removeContainer } from '../engine/containers-api.js';
import type { EngineClient } from '../engine/engine-client.js';
import { listImages, removeImage } from '../engine/images-api.js';
import { listNetworks, removeNetwork } from '../engine/networks-api.js';
import type { WireVolumeList } from '../engine/wire-types.js';

export interface ReapResult {
  containers: number;
  networks: number;
  volumes: number;
  images: number;
  errors: string[];
}

/**
 * Removes everything labelled with `sessionId`, in dependency order: containers (with their
 * anonymous volumes), then networks, volumes and images. Each removal is independent: one failure
 * is recorded and the rest still go.
 */
export async function reapSession(client: EngineClient, sessionId: string): Promise<ReapResult> {
  const filters = { label: [`${Label.Session}=${sessionId}`] };
  const result: ReapResult = { containers: 0, networks: 0, volumes: 0, images: 0, errors: [] };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      return true;
    } catch (err) {
      result.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  // Each kind is listed independently: an engine without one of these routes still gets the rest reaped.
  const list = async <T>(what: string, fn: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await fn();
    } catch (err) {
      result.errors.push(`listing ${what}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  };
  const containers = await list('containers', () => listContainers(client, filters, { all: true }));
  await Promise.all(
    containers.map(async (c) => {
      if (await attempt(`container ${c.Id.slice(0, 12)}`, () => removeContainer(client, c.Id)))
        result.containers++;
    }),
  );
  const networks = await list('networks', () => listNetworks(client, filters));
  await Promise.all(
    networks.map(async (n) => {
      if (await attempt(`network ${n.Name}`, () => removeNetwork(client, n.Id))) result.networks++;
    }),
  );
  const volumes = await list('volumes', async () => {
    const reply = await client.json<WireVolumeList>('GET', '/volumes', { query: { filters } });
    return reply.Volumes ?? [];
  });
  for (const v of volumes) {
    const removed = await attempt(`volume ${v.Name}`, async () => {
      await client.call('DELETE', `/volumes/${encodeURIComponent(v.Name)}`, { query: { force: true } });
    });
    if (removed) result.volumes++;
  }
  const images = await list('images', () => listImages(client, filters));
  for (const image of images) {
    if (await attempt(`image ${image.Id}`, () => removeImage(client, image.Id))) result.images++;
  }
  return result;
}
