import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { matchesListFilters, matchesPruneFilters, validateFilters } from './network-filters.js';
import type { NetworkRecord } from './types.js';

const network = (over: Partial<NetworkRecord>): NetworkRecord => ({
  id: 'abcdef0123456789',
  name: 'app-net',
  driver: 'bridge',
  created: '2025-01-01T00:00:00.000Z',
  subnet: '10.210.1.0/24',
  gateway: '10.210.1.1',
  bridge: 'skf-abcdef01',
  internal: false,
  labels: { 'dev.skiff.session': 's1', tier: 'db' },
  options: {},
  builtIn: false,
  ...over,
});

describe('network filters', () => {
  it('matches part of the name and of the id, ORing values of one key', () => {
    expect(matchesListFilters(network({}), { name: ['app'] }, 0)).toBe(true);
    expect(matchesListFilters(network({}), { name: ['zzz', 'net'] }, 0)).toBe(true);
    expect(matchesListFilters(network({}), { name: ['zzz'] }, 0)).toBe(false);
    expect(matchesListFilters(network({}), { id: ['cdef01'] }, 0)).toBe(true);
  });

  it('ANDs label filters and tests presence or equality', () => {
    expect(matchesListFilters(network({}), { label: ['dev.skiff.session=s1', 'tier'] }, 0)).toBe(true);
    expect(matchesListFilters(network({}), { label: ['dev.skiff.session=s1', 'tier=web'] }, 0)).toBe(false);
  });

  it('filters by driver, type and dangling', () => {
    expect(matchesListFilters(network({ builtIn: true, name: 'bridge' }), { type: ['builtin'] }, 0)).toBe(
      true,
    );
    expect(matchesListFilters(network({}), { type: ['builtin'] }, 0)).toBe(false);
    expect(matchesListFilters(network({}), { driver: ['bridge'] }, 0)).toBe(true);
    expect(matchesListFilters(network({ driver: 'host' }), { driver: ['bridge'] }, 0)).toBe(false);
    expect(matchesListFilters(network({}), { dangling: ['true'] }, 2)).toBe(false);
    expect(matchesListFilters(network({}), { dangling: ['true'] }, 0)).toBe(true);
  });

  it('rejects unknown keys and values, naming them', () => {
    expect(() => validateFilters({ colour: ['red'] }, 'list')).toThrow(/invalid filter 'colour'/);
    expect(() => validateFilters({ type: ['odd'] }, 'list')).toThrow(InvalidArgumentError);
    expect(() => validateFilters({ name: ['x'] }, 'prune')).toThrow(/invalid filter 'name'/);
  });

  it('prunes by label, label! and until', () => {
    const now = new Date('2025-01-01T01:00:00.000Z');
    expect(matchesPruneFilters(network({}), { label: ['tier=db'] }, now)).toBe(true);
    expect(matchesPruneFilters(network({}), { 'label!': ['tier'] }, now)).toBe(false);
    expect(matchesPruneFilters(network({}), { until: ['30m'] }, now)).toBe(true);
    expect(matchesPruneFilters(network({}), { until: ['2h'] }, now)).toBe(false);
    expect(() => matchesPruneFilters(network({}), { until: ['soon'] }, now)).toThrow(/until=soon/);
  });
});
