import { InvalidArgumentError } from '../../errors.js';
import type { ApiBackends } from '../api-backends.js';
import type { HttpExchange } from '../http-exchange.js';
import { toContainerSummary } from '../wire/container-inspect-mapper.js';
import { toImageSummary } from '../wire/image-mapper.js';
import { toVolumeWire } from '../wire/volume-mapper.js';
import { addContainerSizes } from './container-routes.js';

const TYPES = ['container', 'image', 'volume', 'build-cache'] as const;
type UsageType = (typeof TYPES)[number];

/**
 * `GET /system/df` (`docker system df`): images with the number of containers using each and the
 * size of their unique layers, containers with their writable layer, volumes with their size and
 * reference count. `type` (API ≥ 1.42, repeatable) limits the answer to some kinds. The build cache
 * is shared by every engine on the machine and not itemised here: it is reported empty.
 */
export async function diskUsage(ex: HttpExchange, backends: ApiBackends): Promise<void> {
  const asked = ex.query.getAll('type').filter((t) => t !== '');
  for (const t of asked) {
    if (!(TYPES as readonly string[]).includes(t)) {
      throw new InvalidArgumentError(
        `invalid type ${JSON.stringify(t)}: use container, image, volume or build-cache`,
      );
    }
  }
  const want = (t: UsageType) => asked.length === 0 || asked.includes(t);
  const { containers, images, volumes } = backends;
  const records = await containers.list({ all: true, filters: {} });
  const out: Record<string, unknown> = {};

  if (want('image')) {
    const list = await images.list({ all: true });
    const users = new Map<string, number>();
    for (const r of records) users.set(r.spec.imageId, (users.get(r.spec.imageId) ?? 0) + 1);
    // A layer (by chain ID) counts once in LayersSize; in SharedSize of every image that has it
    // when more than one image does (the docker CLI needs SharedSize ≥ 0 to compute what is reclaimable).
    const layers = new Map<string, { size: number; images: number }>();
    for (const image of list) {
      for (const l of image.layers) {
        const seen = layers.get(l.chainId);
        layers.set(l.chainId, { size: l.size, images: (seen?.images ?? 0) + 1 });
      }
    }
    out.LayersSize = [...layers.values()].reduce((a, b) => a + b.size, 0);
    out.Images = list.map((i) => ({
      ...toImageSummary(i, users.get(i.id) ?? 0),
      SharedSize: i.layers.reduce(
        (sum, l) => sum + ((layers.get(l.chainId)?.images ?? 0) > 1 ? l.size : 0),
        0,
      ),
    }));
  }
  if (want('container')) {
    const now = Date.now();
    const summaries = records.map((r) => toContainerSummary(r, now));
    await addContainerSizes(summaries, backends);
    out.Containers = summaries;
  }
  if (want('volume')) {
    const refs = new Map<string, number>();
    for (const r of records) {
      for (const m of r.mounts)
        if (m.type === 'volume' && m.name) refs.set(m.name, (refs.get(m.name) ?? 0) + 1);
    }
    out.Volumes = await Promise.all(
      (await volumes.list()).map(async (v) => ({
        ...toVolumeWire(v),
        UsageData: { Size: await volumes.size(v.name).catch(() => -1), RefCount: refs.get(v.name) ?? 0 },
      })),
    );
  }
  if (want('build-cache')) out.BuildCache = [];
  ex.json(200, out);
}
