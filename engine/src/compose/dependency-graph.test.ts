import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from './compose-errors.js';
import { dependencyWaves, findCycle } from './dependency-graph.js';

describe('dependency graph', () => {
  it('puts each service after what it depends on, independent ones in the same wave', () => {
    const deps = new Map([
      ['app', ['db', 'cache']],
      ['db', []],
      ['cache', []],
      ['worker', ['app']],
      ['docs', []],
    ]);
    expect(dependencyWaves(deps)).toEqual([['cache', 'db', 'docs'], ['app'], ['worker']]);
  });

  it('finds a cycle as a path that returns to its start', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['b']],
        ]),
      ),
    ).toEqual(['b', 'c', 'b']);
    expect(findCycle(new Map([['a', []]]))).toBeUndefined();
    expect(() => dependencyWaves(new Map([['a', ['a']]]))).toThrow(DependencyCycleError);
  });
});
