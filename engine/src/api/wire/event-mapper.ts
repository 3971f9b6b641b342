import type { EngineEvent } from '../../events/event-bus.js';
import { type Filters, matchLabels } from '../protocol/filters.js';

/** `/events` message: the modern fields plus the legacy `status`/`id`/`from` older clients read. */
export interface EventMessageWire extends EngineEvent {
  status?: string;
  id?: string;
  from?: string;
}

export function toEventMessage(event: EngineEvent): EventMessageWire {
  const out: EventMessageWire = { ...event };
  if (event.Type === 'container' || event.Type === 'image') {
    out.status = event.Action;
    out.id = event.Actor.ID;
  }
  if (event.Type === 'container' && event.Actor.Attributes.image !== undefined) {
    out.from = event.Actor.Attributes.image;
  }
  return out;
}

export const EVENT_FILTER_KEYS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
] as const;

function exact(filters: Filters, key: string, value: string | undefined): boolean {
  const wanted = filters[key];
  return !wanted || wanted.length === 0 || (value !== undefined && wanted.includes(value));
}

/** moby's FuzzyMatch: a filter value that is a prefix of the source matches. */
function fuzzy(filters: Filters, key: string, ...sources: (string | undefined)[]): boolean {
  const wanted = filters[key];
  if (!wanted || wanted.length === 0) return true;
  return sources.some((s) => s !== undefined && wanted.some((w) => s.startsWith(w)));
}

/**
 * moby `daemon/events/filter.go` `Include`: every filter key must match, values of one key are
 * alternatives. Name-like filters (container, network, volume, …) test the actor's ID and `name`
 * attribute by prefix; `event` also matches the part of actions like `exec_start: sh` before `:`.
 */
export function eventMatches(event: EngineEvent, filters: Filters): boolean {
  const attrs = event.Actor.Attributes;
  const action = event.Action;
  const actionBase = action.includes(':') ? action.slice(0, action.indexOf(':')) : action;
  if (!(exact(filters, 'event', action) || exact(filters, 'event', actionBase))) return false;
  if (!exact(filters, 'type', event.Type)) return false;
  if (!exact(filters, 'scope', event.scope)) return false;
  for (const key of [
    'container',
    'network',
    'volume',
    'plugin',
    'service',
    'node',
    'secret',
    'config',
    'daemon',
  ]) {
    if (filters[key] && event.Type !== key) return false;
    if (!fuzzy(filters, key, event.Actor.ID, attrs.name)) return false;
  }
  if (filters.image) {
    const imageName = event.Type === 'image' ? (attrs.name ?? event.Actor.ID) : attrs.image;
    if (!fuzzy(filters, 'image', imageName, event.Type === 'image' ? event.Actor.ID : undefined))
      return false;
  }
  return matchLabels(attrs, filters.label);
}
