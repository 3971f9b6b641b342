import { afterEach, describe, expect, it } from 'vitest';
import { cidrsOverlap, parseCidr } from '../src/ipv4.js';
import { containerId, Harness, sandboxRequest, suffix } from './helpers.js';

describe('several engines on one kernel', () => {
  const h = new Harness();
  afterEach(() => h.cleanup());

  it('never give two networks overlapping subnets, and never touch each other', async () => {
    const engines = await Promise.all([h.manager(), h.manager(), h.manager()]);
    const created = await Promise.all(
      engines.flatMap((e, i) => [0, 1, 2].map((j) => e.createNetwork({ name: `par-${i}-${j}-${suffix()}` }))),
    );
    const defaults = await Promise.all(engines.map((e) => e.getNetwork('bridge')));
    const subnets = [...created, ...defaults].map((n) => parseCidr(n.subnet)!);
    for (const [i, a] of subnets.entries()) {
      for (const b of subnets.slice(i + 1)) expect(cidrsOverlap(a, b)).toBe(false);
    }
    const sandboxes = await Promise.all(engines.map((e) => e.createSandbox(sandboxRequest(containerId()))));
    expect(new Set(sandboxes.map((s) => s.netnsPath)).size).toBe(3);
    // One engine removing everything it has leaves the others' objects alone.
    await engines[0]!.destroy();
    for (const [i, e] of engines.slice(1).entries()) {
      expect((await e.listNetworks({ type: ['custom'] })).length).toBe(3);
      expect(e.getSandbox(sandboxes[i + 1]!.containerId)).toBeDefined();
    }
  });
});
