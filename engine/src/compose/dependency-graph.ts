import { DependencyCycleError } from './compose-errors.js';

/** Service name → the services it depends on (only those that exist). */
export type DependencyMap = ReadonlyMap<string, readonly string[]>;

/**
 * The first cycle found by depth-first search, as a path that starts and ends with the same
 * service (`a -> b -> a`), or `undefined`. Services are visited in name order so the answer is
 * stable.
 */
export function findCycle(deps: DependencyMap): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of [...(deps.get(name) ?? [])].sort()) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...deps.keys()].sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

export function assertNoCycle(deps: DependencyMap): void {
  const cycle = findCycle(deps);
  if (cycle) throw new DependencyCycleError(cycle);
}

/**
 * Start order in waves: every service comes after all it depends on; services of one wave do not
 * depend on each other. (The runner starts each service as soon as its own dependencies are
 * ready; the waves are for printing and for stopping in reverse.)
 */
export function dependencyWaves(deps: DependencyMap): string[][] {
  assertNoCycle(deps);
  const level = new Map<string, number>();
  const depth = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(deps.get(name) ?? []).filter((n) => deps.has(n)).map(depth)) + 1;
    level.set(name, d);
    return d;
  };
  const waves: string[][] = [];
  for (const name of [...deps.keys()].sort()) {
    const d = depth(name);
    const wave = waves[d] ?? [];
    wave.push(name);
    waves[d] = wave;
  }
  return waves.filter((w) => w.length > 0);
}
