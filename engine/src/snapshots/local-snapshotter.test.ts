import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../content/digest.js';
import { runNodeScript, transpileForChild } from '../layers/testing/transpile-for-child.js';
import { LocalSnapshotter } from './local-snapshotter.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-snap-'));
  root = path.join(base, 'snapshots');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const chain: Digest = sha256('layer one');

describe('LocalSnapshotter', () => {
  it('fills a missing snapshot once, under a short lower name, and records the full chain ID', async () => {
    const snaps = await new LocalSnapshotter(root, { now: () => 42 }).init();
    let fills = 0;
    const fill = async (dir: string) => {
      fills++;
      await writeFile(path.join(dir, 'hello'), 'world');
    };
    const info = await snaps.ensure(chain, fill);
    expect(info).toEqual({ chainId: chain, size: expect.any(Number), createdAt: 42 });
    expect(info.size).toBeGreaterThanOrEqual(5);
    expect(await snaps.ensure(chain, fill)).toEqual(info);
    expect(fills).toBe(1);
    expect(snaps.lowerName(chain)).toBe(`${chain.slice(7, 23)}/fs`);
    expect(snaps.dir(chain)).toBe(path.join(root, snaps.lowerName(chain)));
    expect(await readFile(path.join(snaps.dir(chain), 'hello'), 'utf8')).toBe('world');
    expect(await snaps.stat(chain)).toEqual(info);
    expect(await snaps.list()).toEqual([info]);
  });

  it('uses the size the fill reports', async () => {
    const snaps = await new LocalSnapshotter(root).init();
    expect((await snaps.ensure(chain, async () => ({ size: 1234 }))).size).toBe(1234);
  });

  it('leaves nothing when the fill fails, and a later ensure fills again', async () => {
    const snaps = await new LocalSnapshotter(root).init();
    await expect(
      snaps.ensure(chain, async (dir) => {
        await writeFile(path.join(dir, 'partial'), 'x');
        throw new Error('network died');
      }),
    ).rejects.toThrow('network died');
    expect(await snaps.stat(chain)).toBeUndefined();
    expect(await readdir(root)).toEqual([]);
    await snaps.ensure(chain, async (dir) => writeFile(path.join(dir, 'full'), 'y'));
    expect(await readdir(snaps.dir(chain))).toEqual(['full']);
  });

  it('runs concurrent ensures of one chain in this process once', async () => {
    const snaps = await new LocalSnapshotter(root).init();
    let fills = 0;
    const fill = async () => {
      fills++;
      await new Promise((r) => setTimeout(r, 50));
    };
    const results = await Promise.all([
      snaps.ensure(chain, fill),
      snaps.ensure(chain, fill),
      snaps.ensure(chain, fill),
    ]);
    expect(fills).toBe(1);
    expect(new Set(results.map((r) => r.createdAt)).size).toBe(1);
  });

  it('removes a snapshot so the next ensure fills it again', async () => {
    const snaps = await new LocalSnapshotter(root).init();
    await snaps.ensure(chain, async () => {});
    await snaps.remove(chain);
    expect(await snaps.stat(chain)).toBeUndefined();
    expect(await snaps.list()).toEqual([]);
    await snaps.remove(chain);
  });

  it('cleans up fills of crashed processes and interrupted removals at init', async () => {
    await mkdir(path.join(root, '.tmp-999999999-abc/fs'), { recursive: true });
    await mkdir(path.join(root, '.trash-0123456789abcdef-00'), { recursive: true });
    await mkdir(path.join(root, `.tmp-${process.pid}-live`), { recursive: true });
    await new LocalSnapshotter(root).init();
    expect(await readdir(root)).toEqual([`.tmp-${process.pid}-live`]);
  });

  it('refuses a short-ID collision instead of serving another chain', async () => {
    const snaps = await new LocalSnapshotter(root).init();
    await snaps.ensure(chain, async () => {});
    const impostor = `sha256:${chain.slice(7, 23)}${'0'.repeat(48)}` as Digest;
    await expect(snaps.stat(impostor)).rejects.toMatchObject({ code: 'SKIFF_CONFLICT' });
  });

  it('runs fill once when two processes ensure the same chain at the same time', async () => {
    const src = fileURLToPath(new URL('..', import.meta.url));
    const entry = await transpileForChild(
      path.join(src, 'snapshots/local-snapshotter.ts'),
      src,
      path.join(base, 'child'),
    );
    const log = path.join(base, 'fills.log');
    const script = `
      const { LocalSnapshotter } = await import(${JSON.stringify(entry)});
      const { appendFile, writeFile } = await import('node:fs/promises');
      const snaps = await new LocalSnapshotter(${JSON.stringify(root)}).init();
      const info = await snaps.ensure(${JSON.stringify(chain)}, async (dir) => {
        await appendFile(${JSON.stringify(log)}, process.pid + '\\n');
        await new Promise((r) => setTimeout(r, 400));
        await writeFile(dir + '/by', String(process.pid));
      });
      process.stdout.write(JSON.stringify(info));
    `;
    const run = () => runNodeScript(script);
    const [a, b] = await Promise.all([run(), run()]);
    expect(JSON.parse(a)).toEqual(JSON.parse(b));
    const fillers = (await readFile(log, 'utf8')).trim().split('\n');
    expect(fillers).toHaveLength(1);
    const snaps = new LocalSnapshotter(root);
    expect(await readFile(path.join(snaps.dir(chain), 'by'), 'utf8')).toBe(fillers[0]);
  });
});
