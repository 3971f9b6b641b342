import { InvalidArgumentError } from '../../errors.js';
import type { EngineEvent } from '../../events/event-bus.js';
import type { ApiBackends } from '../api-backends.js';
import { assertFilterKeys, parseFilters } from '../protocol/filters.js';
import { timestampParam } from '../protocol/form-values.js';
import { writeChunk } from '../protocol/stream-write.js';
import type { Router } from '../router.js';
import { EVENT_FILTER_KEYS, eventMatches, toEventMessage } from '../wire/event-mapper.js';

/**
 * `GET /events`: JSON lines from the event bus. `since` replays the bus's history first; `until`
 * ends the stream at that time (at once when it is in the past). Subscribing happens before the
 * replay, and replayed events are not sent twice.
 */
export function registerEventRoutes(router: Router, { events }: ApiBackends): void {
  router.get('/events', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, EVENT_FILTER_KEYS);
    const since = timestampParam(ex.query, 'since');
    const until = timestampParam(ex.query, 'until');
    if (since !== undefined && until !== undefined && until < since) {
      throw new InvalidArgumentError('`since` must be before `until`');
    }
    const untilNano = until === undefined ? Number.POSITIVE_INFINITY : until * 1e9;
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = events.subscribe((e) => {
      queue.push(e);
      wake?.();
    });
    try {
      const out = ex.stream(200, 'application/json');
      const send = async (e: EngineEvent) =>
        !eventMatches(e, filters) ||
        (await writeChunk(out, `${JSON.stringify(toEventMessage(e))}\n`, ex.signal));
      const replayed = new Set<EngineEvent>();
      if (since !== undefined) {
        for (const e of events.replay(since * 1e9)) {
          if (e.timeNano > untilNano) break;
          replayed.add(e);
          if (!(await send(e))) return;
        }
      }
      const onAbort = () => wake?.();
      ex.signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!ex.signal.aborted && Date.now() * 1e6 < untilNano) {
          const e = queue.shift();
          if (!e) {
            // Sleep until an event arrives, the client leaves, or `until` passes. The timer is
            // re-armed on every wait and rounded up: timers may fire a fraction of a ms early.
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve) => {
              wake = resolve;
              if (Number.isFinite(untilNano)) {
                timer = setTimeout(resolve, Math.max(0, Math.ceil(untilNano / 1e6 - Date.now()) + 1));
              }
            });
            clearTimeout(timer);
            wake = undefined;
            continue;
          }
          if (replayed.has(e)) continue;
          if (e.timeNano > untilNano) break;
          if (!(await send(e))) return;
        }
      } finally {
        ex.signal.removeEventListener('abort', onAbort);
      }
      out.end();
    } finally {
      unsubscribe();
    }
  });
}
