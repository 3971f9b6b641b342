import type { WaitResponseWire } from '../api/wire/container-wire.js';
import type { EngineClient } from './engine-client.js';

/**
 * Sends `POST /containers/{id}/wait` and resolves once the engine flushed the headers — it does so
 * after registering the waiter, so a start sent afterwards cannot outrun it. The returned promise
 * settles with the exit status when the condition is met.
 */
export async function registerWait(
  client: EngineClient,
  id: string,
  condition: 'not-running' | 'next-exit' | 'removed',
): Promise<{ result: Promise<WaitResponseWire>; cancel: () => void }> {
  const res = await client.request('POST', `/containers/${id}/wait`, { query: { condition } });
  const result = (async () => {
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as WaitResponseWire;
  })();
  result.catch(() => {});
  return { result, cancel: () => res.destroy() };
}
