import { describe, expect, it } from 'vitest';
import { SpareDatabases } from './spare-databases.js';

function pool() {
  const log: string[] = [];
  let n = 0;
  let fail = false;
  const spares = new SpareDatabases(
    async (name, template) => {
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error('clone failed');
      log.push(`clone ${name} from ${template}`);
    },
    async (name) => {
      log.push(`drop ${name}`);
    },
    () => `spare_${++n}`,
  );
  return { spares, log, failNext: () => (fail = true) };
}

describe('SpareDatabases', () => {
  it('hands out the spare being cloned and clones one more per refill', async () => {
    const { spares, log } = pool();
    expect(await spares.take('snap')).toBeUndefined();
    spares.refill('snap');
    spares.refill('snap');
    expect(await spares.take('snap')).toBe('spare_1');
    spares.refill('snap');
    expect(await spares.take('snap')).toBe('spare_2');
    expect(log).toEqual(['clone spare_1 from snap', 'clone spare_2 from snap']);
  });

  it('keeps one spare per template, and drops it when the template goes', async () => {
    const { spares, log } = pool();
    spares.refill('a');
    spares.refill('b');
    await spares.discard('a');
    expect(await spares.take('a')).toBeUndefined();
    expect(await spares.take('b')).toBe('spare_2');
    // The spare being cloned is dropped once it exists.
    expect(log.indexOf('drop spare_1')).toBeGreaterThan(log.indexOf('clone spare_1 from a'));
    expect([...log].sort()).toEqual(['clone spare_1 from a', 'clone spare_2 from b', 'drop spare_1']);
  });

  it('has no spare when cloning it failed', async () => {
    const { spares, failNext } = pool();
    failNext();
    spares.refill('snap');
    expect(await spares.take('snap')).toBeUndefined();
  });
});
