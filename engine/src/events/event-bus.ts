import { EventEmitter } from 'node:events';

/** One engine event, in the Docker `/events` message shape. */
export interface EngineEvent {
  Type: 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

/**
 * Engine-wide event stream. Services publish; `/events` subscribers and internal listeners (the
 * session reaper, restart policy) consume. Keeps a bounded history so `since` can replay.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: EngineEvent[] = [];

  constructor(
    private readonly capacity = 1024,
    private readonly now: () => bigint = () => process.hrtime.bigint() + EPOCH_OFFSET_NS,
  ) {
    this.emitter.setMaxListeners(0);
  }

  publish(
    type: EngineEvent['Type'],
    action: string,
    id: string,
    attributes: Record<string, string> = {},
  ): EngineEvent {
    const timeNano = Number(this.now());
    const event: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Math.floor(timeNano / 1e9),
      timeNano,
    };
    this.history.push(event);
    if (this.history.length > this.capacity) this.history.shift();
    this.emitter.emit('event', event);
    return event;
  }

  /** Events with `timeNano >= sinceNano`, oldest first. */
  replay(sinceNano: number): EngineEvent[] {
    return this.history.filter((e) => e.timeNano >= sinceNano);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

/** hrtime is monotonic from an arbitrary origin; anchor it to the wall clock once. */
const EPOCH_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
