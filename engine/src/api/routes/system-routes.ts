import { ENGINE_VERSION, Header } from '../../constants.js';
import type { ApiBackends } from '../api-backends.js';
import type { HttpExchange } from '../http-exchange.js';
import type { Router } from '../router.js';
import { toInfoWire, toVersionWire } from '../wire/system-mapper.js';
import { diskUsage } from './disk-usage.js';

/** Headers the docker CLI reads from `/_ping` besides the common ones (API version, OS type). */
const PING_HEADERS = {
  [Header.BuilderVersion]: '1',
  // core/SESSIONS.md: "this is skiffd" and "the session routes exist".
  'Skiff-Version': ENGINE_VERSION,
  'Skiff-Sessions': '1',
  Swarm: 'inactive',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

function ping(ex: HttpExchange): void {
  ex.text(200, ex.method === 'HEAD' ? '' : 'OK', 'text/plain; charset=utf-8', PING_HEADERS);
}

/** `/_ping`, `/version`, `/info`, `/system/df`. */
export function registerSystemRoutes(router: Router, backends: ApiBackends): void {
  const { containers, images, facts } = backends;
  router.get('/_ping', ping);
  router.head('/_ping', ping);

  router.get('/version', (ex) => {
    ex.json(200, toVersionWire(facts));
  });

  router.get('/info', async (ex) => {
    const [all, imageList] = await Promise.all([
      containers.list({ all: true, filters: {} }),
      images.list({}),
    ]);
    const running = all.filter((c) => c.state.status === 'running').length;
    const paused = all.filter((c) => c.state.status === 'paused').length;
    ex.json(
      200,
      toInfoWire(facts, {
        containers: all.length,
        running,
        paused,
        stopped: all.length - running - paused,
        images: imageList.length,
      }),
    );
  });

  router.get('/system/df', (ex) => diskUsage(ex, backends));
}
