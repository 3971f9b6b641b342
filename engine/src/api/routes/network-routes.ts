import type { NetworkService } from '../../networks/network-service.js';
import type { RouteModule } from '../api-router.js';
import { assertFilterKeys, parseFilters } from '../protocol/filters.js';
import {
  toNetworkConnectInput,
  toNetworkCreateRequest,
  toNetworkDisconnectInput,
  toNetworkWire,
} from '../wire/network-mapper.js';

/** Filter keys moby accepts (`daemon/network/filter.go`). */
const LIST_FILTERS = ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling'];
const PRUNE_FILTERS = ['label', 'label!', 'until'];

/** Networks: create, list, inspect, connect, disconnect, remove, prune (`/networks/...`). */
export function networkRoutes(networks: NetworkService): RouteModule {
  return (router) => {
    router.get('/networks', async (ex) => {
      const filters = parseFilters(ex.query.get('filters'));
      assertFilterKeys(filters, LIST_FILTERS);
      ex.json(200, (await networks.list(filters)).map(toNetworkWire));
    });

    router.post('/networks/create', async (ex) => {
      const record = await networks.create(toNetworkCreateRequest(await ex.readJson()));
      ex.json(201, { Id: record.id, Warning: '' });
    });

    router.post('/networks/prune', async (ex) => {
      const filters = parseFilters(ex.query.get('filters'));
      assertFilterKeys(filters, PRUNE_FILTERS);
      ex.json(200, { NetworksDeleted: await networks.prune(filters) });
    });

    router.get('/networks/:id', async (ex) => {
      ex.json(200, toNetworkWire(await networks.inspect(ex.params.id ?? '')));
    });

    router.post('/networks/:id/connect', async (ex) => {
      await networks.connect(ex.params.id ?? '', toNetworkConnectInput(await ex.readJson()));
      ex.noContent(200);
    });

    router.post('/networks/:id/disconnect', async (ex) => {
      const { container, force } = toNetworkDisconnectInput(await ex.readJson());
      await networks.disconnect(ex.params.id ?? '', container, force);
      ex.noContent(200);
    });

    router.delete('/networks/:id', async (ex) => {
      await networks.remove(ex.params.id ?? '');
      ex.noContent();
    });
  };
}
