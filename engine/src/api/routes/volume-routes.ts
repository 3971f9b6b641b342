import type { ApiBackends } from '../api-backends.js';
import { assertFilterKeys, parseFilters } from '../protocol/filters.js';
import { boolParam } from '../protocol/form-values.js';
import type { Router } from '../router.js';
import { toVolumeCreateInput, toVolumeWire } from '../wire/volume-mapper.js';

/** Volumes: create, list, inspect, remove, prune. */
export function registerVolumeRoutes(router: Router, { volumes }: ApiBackends): void {
  router.get('/volumes', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, ['name', 'label', 'driver', 'dangling']);
    const list = await volumes.list(filters);
    ex.json(200, { Volumes: list.map(toVolumeWire), Warnings: [] });
  });

  router.post('/volumes/create', async (ex) => {
    const volume = await volumes.create(toVolumeCreateInput(await ex.readJson()));
    ex.json(201, toVolumeWire(volume));
  });

  router.post('/volumes/prune', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, ['label', 'label!', 'all']);
    const { deleted, spaceReclaimed } = await volumes.prune(filters);
    ex.json(200, { VolumesDeleted: deleted, SpaceReclaimed: spaceReclaimed });
  });

  router.get('/volumes/:name', async (ex) => {
    ex.json(200, toVolumeWire(await volumes.get(ex.params.name ?? '')));
  });

  router.delete('/volumes/:name', async (ex) => {
    await volumes.remove(ex.params.name ?? '', { force: boolParam(ex.query, 'force') });
    ex.noContent();
  });
}
