import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainIds, type Digest, sha256 } from '../content/digest.js';
import { runNodeScript, transpileForChild } from '../layers/testing/transpile-for-child.js';
import type { ImageConfig } from './image-config.js';
import { LocalImageStore } from './local-image-store.js';

let base: string;
let store: LocalImageStore;
let clock = 1000;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-images-'));
  store = await new LocalImageStore(path.join(base, 'images'), { now: () => clock++ }).init();
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function config(seed: string): ImageConfig {
  const diffId = sha256(`layer ${seed}`);
  return { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, config: {} };
}

async function putImage(
  seed: string,
  extra: { tags?: string[]; parent?: Digest; repoDigests?: string[] } = {},
) {
  const c = config(seed);
  const id = sha256(JSON.stringify(c));
  const [chainId] = chainIds(c.rootfs.diff_ids);
  return store.put({
    configDigest: id,
    config: c,
    layers: [{ diffId: c.rootfs.diff_ids[0] as Digest, chainId: chainId as Digest, size: 100 }],
    ...extra,
  });
}

const manifestDigest = sha256('manifest');

describe('LocalImageStore lookups', () => {
  it('finds an image by full ID, bare hex, unique prefix, name and familiar name', async () => {
    const img = await putImage('a', { tags: ['redis:7'] });
    const hex = img.id.slice(7);
    for (const ref of [
      img.id,
      hex,
      hex.slice(0, 12),
      `sha256:${hex.slice(0, 5)}`,
      'redis:7',
      'docker.io/library/redis:7',
    ]) {
      expect((await store.get(ref)).id).toBe(img.id);
    }
    expect(img.repoTags).toEqual(['docker.io/library/redis:7']);
    expect(img.size).toBe(100);
  });

  it('finds name@digest through repo digests', async () => {
    const img = await putImage('a', { repoDigests: [`localhost:5000/app:1@${manifestDigest}`] });
    expect(img.repoDigests).toEqual([`localhost:5000/app@${manifestDigest}`]);
    expect((await store.get(`localhost:5000/app@${manifestDigest}`)).id).toBe(img.id);
    await expect(store.get(`localhost:5000/other@${manifestDigest}`)).rejects.toMatchObject({
      code: 'SKIFF_IMAGE_NOT_FOUND',
    });
  });

  it('says `No such image` as Docker does, and names an ambiguous prefix', async () => {
    await expect(store.get('nothing:here')).rejects.toThrow('No such image: nothing:here');
    expect(await store.find('redis')).toBeUndefined();
    const ids = [];
    for (let i = 0; ids.length < 2; i++) {
      const img = await putImage(`s${i}`);
      if (ids.length === 0 || img.id[7] === ids[0]?.[7]) ids.push(img.id);
    }
    await expect(store.get((ids[0] as string).slice(7, 8))).rejects.toThrow(/matches 2 images/);
  });

  it('prefers a name over an ID prefix that spells the same string', async () => {
    const img = await putImage('a');
    const prefix = img.id.slice(7, 19);
    const other = await putImage('b', { tags: [prefix] });
    expect((await store.get(prefix)).id).toBe(other.id);
  });
});

describe('LocalImageStore names', () => {
  it('moves a tag from one image to another', async () => {
    const a = await putImage('a', { tags: ['app:1'] });
    const b = await putImage('b');
    await store.tag(b.id, 'app:1');
    await store.tag('app:1', 'app');
    expect((await store.get(a.id)).repoTags).toEqual([]);
    expect((await store.get(b.id)).repoTags).toEqual([
      'docker.io/library/app:1',
      'docker.io/library/app:latest',
    ]);
  });

  it('refuses to tag with a digest and to tag a missing image', async () => {
    const a = await putImage('a');
    await expect(store.tag(a.id, `app@${manifestDigest}`)).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
    });
    await expect(store.tag('missing', 'app:1')).rejects.toMatchObject({ code: 'SKIFF_IMAGE_NOT_FOUND' });
  });

  it('keeps the first addedAt when the same config is put again, and updates the manifest', async () => {
    const first = await putImage('a');
    const again = await store.put({
      configDigest: first.id,
      config: first.config,
      layers: first.layers,
      manifest: { digest: manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10 },
    });
    expect(again.addedAt).toBe(first.addedAt);
    expect(again.manifest?.digest).toBe(manifestDigest);
    expect(await store.list()).toHaveLength(1);
  });

  it('untags names and digest names', async () => {
    const a = await putImage('a', { tags: ['app:1'], repoDigests: [`app@${manifestDigest}`] });
    expect(await store.untag('app:1')).toBe(a.id);
    expect(await store.untag('app:1')).toBeUndefined();
    expect(await store.untag(`app@${manifestDigest}`)).toBe(a.id);
    expect((await store.get(a.id)).repoDigests).toEqual([]);
  });

  it('sees names another store instance changed, also after its cache settled', async () => {
    const a = await putImage('a', { tags: ['one:1'] });
    const other = new LocalImageStore(path.join(base, 'images'));
    expect((await store.get(a.id)).repoTags).toEqual(['docker.io/library/one:1']);
    await new Promise((r) => setTimeout(r, 150));
    expect((await store.get(a.id)).repoTags).toEqual(['docker.io/library/one:1']);
    await other.tag(a.id, 'two:2');
    expect((await store.get(a.id)).repoTags).toEqual(['docker.io/library/one:1', 'docker.io/library/two:2']);
    await new Promise((r) => setTimeout(r, 150));
    await other.untag('one:1');
    expect((await store.get(a.id)).repoTags).toEqual(['docker.io/library/two:2']);
  });

  it('loses no tag when processes tag concurrently', async () => {
    const a = await putImage('a');
    const src = fileURLToPath(new URL('..', import.meta.url));
    const entry = await transpileForChild(
      path.join(src, 'images/local-image-store.ts'),
      src,
      path.join(base, 'child'),
    );
    const script = (who: string) => `
      const { LocalImageStore } = await import(${JSON.stringify(entry)});
      const store = new LocalImageStore(${JSON.stringify(path.join(base, 'images'))});
      await Promise.all(Array.from({ length: 15 }, (_, i) => store.tag(${JSON.stringify(a.id)}, 'p${who}:' + i)));
    `;
    await Promise.all([runNodeScript(script('a')), runNodeScript(script('b')), store.tag(a.id, 'here:1')]);
    expect((await store.get(a.id)).repoTags).toHaveLength(31);
  });
});

describe('LocalImageStore.remove (docker rmi)', () => {
  it('untags a name and keeps the image while other names point at it', async () => {
    const a = await putImage('a', { tags: ['app:1', 'app:2'] });
    expect(await store.remove('app:1', {})).toEqual([{ Untagged: 'app:1' }]);
    expect((await store.get(a.id)).repoTags).toEqual(['docker.io/library/app:2']);
  });

  it('deletes the image with its last name, and digest names of the same repository go with it', async () => {
    const a = await putImage('a', { tags: ['app:1'], repoDigests: [`app@${manifestDigest}`] });
    expect(await store.remove('app:1', {})).toEqual([
      { Untagged: 'app:1' },
      { Untagged: `app@${manifestDigest}` },
      { Deleted: a.id },
    ]);
    expect(await store.list()).toEqual([]);
  });

  it('deletes by ID with its names when they are one repository', async () => {
    const a = await putImage('a', { tags: ['app:1'] });
    expect(await store.remove(a.id.slice(7, 19), {})).toEqual([{ Untagged: 'app:1' }, { Deleted: a.id }]);
  });

  it('needs force to delete by ID an image referenced in several repositories', async () => {
    const a = await putImage('a', { tags: ['app:1', 'other:1'] });
    await expect(store.remove(a.id, {})).rejects.toThrow(
      /must be forced\) - image is referenced in multiple/,
    );
    const items = await store.remove(a.id, { force: true });
    expect(items).toEqual([{ Untagged: 'app:1' }, { Untagged: 'other:1' }, { Deleted: a.id }]);
  });

  it('refuses an image a container uses unless forced; untagging its last name keeps it', async () => {
    const a = await putImage('a', { tags: ['app:1', 'app:2'] });
    const inUse = async (id: Digest) => id === a.id;
    await expect(store.remove(a.id, { inUse, force: false })).rejects.toThrow(
      /multiple repositories|being used/,
    );
    expect(await store.remove('app:1', { inUse })).toEqual([{ Untagged: 'app:1' }]);
    expect(await store.remove('app:2', { inUse })).toEqual([{ Untagged: 'app:2' }]);
    expect((await store.get(a.id)).repoTags).toEqual([]);
    await expect(store.remove(a.id, { inUse })).rejects.toThrow(/being used by a container/);
    expect(await store.remove(a.id, { inUse, force: true })).toEqual([{ Deleted: a.id }]);
  });

  it('never deletes an image with children, and prunes untagged parents unless told not to', async () => {
    const parent = await putImage('p');
    const child = await putImage('c', { tags: ['child:1'], parent: parent.id });
    await expect(store.remove(parent.id, { force: true })).rejects.toThrow(/dependent child images/);
    expect(await store.remove('child:1', {})).toEqual([
      { Untagged: 'child:1' },
      { Deleted: child.id },
      { Deleted: parent.id },
    ]);
    const p2 = await putImage('p2');
    const c2 = await putImage('c2', { tags: ['child:2'], parent: p2.id });
    expect(await store.remove('child:2', { noprune: true })).toEqual([
      { Untagged: 'child:2' },
      { Deleted: c2.id },
    ]);
    expect((await store.get(p2.id)).id).toBe(p2.id);
  });
});
