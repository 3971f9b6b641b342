import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../events/event-bus.js';
import { eventMatches, toEventMessage } from './event-mapper.js';

function event(
  type: EngineEvent['Type'],
  action: string,
  id: string,
  attrs: Record<string, string>,
): EngineEvent {
  return {
    Type: type,
    Action: action,
    Actor: { ID: id, Attributes: attrs },
    scope: 'local',
    time: 1,
    timeNano: 1e9,
  };
}

describe('events', () => {
  const die = event('container', 'die', 'abc123', {
    name: 'web',
    image: 'redis:7',
    team: 'a',
    exitCode: '0',
  });
  const pulled = event('image', 'pull', 'sha256:ff', { name: 'redis:7' });

  it('adds the legacy status/id/from fields to container events', () => {
    expect(toEventMessage(die)).toMatchObject({
      status: 'die',
      id: 'abc123',
      from: 'redis:7',
      Type: 'container',
    });
  });

  it('filters the way testcontainers asks: type, container (id or name prefix), event', () => {
    const f = { type: ['container'], container: ['abc'], event: ['die', 'start'] };
    expect(eventMatches(die, f)).toBe(true);
    expect(eventMatches(die, { container: ['web'] })).toBe(true);
    expect(eventMatches(die, { container: ['zzz'] })).toBe(false);
    expect(eventMatches(die, { event: ['start'] })).toBe(false);
    expect(eventMatches(pulled, f)).toBe(false);
  });

  it('matches labels, images and the action before a colon', () => {
    expect(eventMatches(die, { label: ['team=a'] })).toBe(true);
    expect(eventMatches(die, { label: ['team=b'] })).toBe(false);
    expect(eventMatches(die, { image: ['redis'] })).toBe(true);
    expect(eventMatches(pulled, { image: ['redis:7'] })).toBe(true);
    const exec = event('container', 'exec_start: sh -c true', 'abc', {});
    expect(eventMatches(exec, { event: ['exec_start'] })).toBe(true);
  });
});
