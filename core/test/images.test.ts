import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, GenericContainer, PullPolicy } from '@skiff/core';
import { type CncfRegistry, startCncfRegistry } from '@skiff/testing';
import { BUSYBOX, startTestEngine, type TestEngine, uniqueName } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeImage } from '../src/engine/images-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let engine: TestEngine;
let registry: CncfRegistry;
const pushed: string[] = [];

/** Tags the local busybox as `<registry>/<name>` and pushes it; the local tag is removed again. */
async function push(name: string): Promise<string> {
  const ref = `${registry.host}/${name}`;
  const colon = ref.lastIndexOf(':');
  await engine.client.call('POST', `/images/${BUSYBOX}/tag`, {
    query: { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) },
  });
  const res = await engine.client.raw('POST', `/images/${ref.slice(0, colon)}/push`, {
    query: { tag: ref.slice(colon + 1) },
    headers: { 'x-registry-auth': 'e30=' },
  });
  const text = await (res.body as unknown as { text(): Promise<string> }).text();
  if (text.includes('"error"')) throw new Error(`push ${ref}: ${text}`);
  await removeImage(engine.client, ref, false);
  pushed.push(ref);
  return ref;
}

beforeAll(async () => {
  engine = await startTestEngine();
  registry = await startCncfRegistry(undefined, { accessLog: true });
});

afterAll(async () => {
  for (const ref of pushed) await removeImage(engine.client, ref).catch(() => undefined);
  await engine?.stop();
  await registry?.stop();
});

describe('images', () => {
  it('pulls through a prefix given in code, for Docker Hub names only', async () => {
    const tag = uniqueName('prefixed');
    await push(`mirror/busybox:${tag}`);
    const runtime = await createRuntime({
      ...engine.options,
      images: { prefix: `${registry.host}/mirror` },
      handleSignals: false,
    });
    try {
      await using c = await new GenericContainer(`busybox:${tag}`)
        .withRuntime(runtime)
        .withCommand(['sleep', '300'])
        .start();
      expect((await c.exec(['echo', 'pulled'])).stdout).toBe('pulled\n');
      expect(registry.requests.some((r) => r.includes(`/v2/mirror/busybox/manifests/${tag}`))).toBe(true);
      // A name with a registry part is not rewritten.
      expect(runtime.substituteImage(`${registry.host}/x:1`)).toBe(`${registry.host}/x:1`);
    } finally {
      await runtime.close();
    }
  });

  it('maps names from SKIFF_IMAGE_MAP in the environment', async () => {
    const ref = await push(`mapped/thing:${uniqueName('mapped')}`);
    const runtime = await createRuntime({
      ...engine.options,
      env: { ...process.env, SKIFF_IMAGE_MAP: JSON.stringify({ 'redis:7': ref }) },
      handleSignals: false,
    });
    try {
      await using c = await new GenericContainer('redis:7')
        .withRuntime(runtime)
        .withCommand(['sleep', '300'])
        .start();
      expect((await c.exec(['busybox', 'true'])).exitCode).toBe(0);
    } finally {
      await runtime.close();
    }
  });

  it('pulls an image once when several processes start it at the same time', async () => {
    const tag = uniqueName('shared');
    const ref = await push(`shared/busybox:${tag}`);
    // Each pull resolves the tag once (HEAD or GET on the manifest by tag).
    const manifestGets = () =>
      registry.requests.filter((r) => r.endsWith(`/v2/shared/busybox/manifests/${tag}`)).length;
    const before = manifestGets();
    const children = [1, 2, 3].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const p = spawn(process.execPath, [path.join(here, 'fixtures/session-child.mjs'), 'pull'], {
            cwd: path.resolve(here, '..'),
            env: { ...process.env, ...engine.env, PULL_IMAGE: ref },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
        }),
    );
    await Promise.all(children);
    expect(manifestGets() - before).toBe(1);
  });

  it('pulls again with alwaysPull, and reports a missing image as SKIFF_IMAGE_NOT_FOUND', async () => {
    const tag = uniqueName('always');
    const ref = await push(`always/busybox:${tag}`);
    const gets = () =>
      registry.requests.filter((r) => r.endsWith(`/v2/always/busybox/manifests/${tag}`)).length;
    const base = gets();
    await (await new GenericContainer(ref).withCommand(['sleep', '300']).start()).stop();
    const afterFirst = gets();
    expect(afterFirst - base).toBe(1);
    const c = await new GenericContainer(ref)
      .withCommand(['sleep', '300'])
      .withPullPolicy(PullPolicy.alwaysPull())
      .start();
    await c.stop();
    expect(gets()).toBeGreaterThan(afterFirst);
    const err = await new GenericContainer(`${registry.host}/nobody/here:1`).start().catch((e: unknown) => e);
    expect((err as Error).cause).toMatchObject({ code: 'SKIFF_IMAGE_NOT_FOUND' });
  });
});
