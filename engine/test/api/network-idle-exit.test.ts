import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SkiffdHarness } from '@skiff/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonBody, kernelObjectsOf, netEngineId, V } from './network-helpers.js';

describe('a per-run engine (SKIFF_EXIT_WHEN_IDLE) and its networks', () => {
  const h = new SkiffdHarness();

  afterAll(async () => {
    await h.cleanup();
  });

  it('removes every bridge it made, the default one included, when it exits after its last session', async () => {
    await h.prepare();
    h.env.SKIFF_EXIT_WHEN_IDLE = '1';
    h.env.SKIFF_EPHEMERAL = '0';
    await h.start();
    const engineId = await netEngineId(h);
    const created = await h.http('POST', `${V}/networks/create`, jsonBody({ Name: `idle-${h.engineName}` }));
    expect(created.status).toBe(201);
    expect((await kernelObjectsOf(engineId)).links).toHaveLength(2);

    const session = (await h.http('POST', '/skiff/v1/sessions', { body: '{"GraceMs":0}' })).json<{
      Id: string;
    }>().Id;
    const keepalive = h.openRaw(`GET /skiff/v1/sessions/${session}/keepalive HTTP/1.1\r\nHost: api\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    keepalive.socket.destroy();
    const code = await new Promise<number | null>((resolve) => {
      const d = h.daemon;
      if (!d || d.exitCode !== null) resolve(d?.exitCode ?? null);
      else d.once('exit', resolve);
    });
    expect(code).toBe(0);
    expect(await kernelObjectsOf(engineId)).toEqual({ links: [], netns: [] });
    const stored = await readdir(path.join(h.base, 'root', 'engines', h.engineName, 'net', 'networks'));
    expect(stored).toEqual([]);
  });
});
