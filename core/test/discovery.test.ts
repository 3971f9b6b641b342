import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  createRuntime,
  explainEngine,
  formatExplanation,
  GenericContainer,
  startAll,
  Wait,
} from '@skiff/core';
import { BUSYBOX, ENGINE, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContainers } from '../src/engine/containers-api.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-core-discovery-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fake engine on a unix socket that answers /_ping and /version with the given API versions. */
async function fakeEngine(
  apiVersion: string,
  minVersion: string,
): Promise<{ socket: string; close: () => Promise<void> }> {
  const socket = path.join(dir, `fake-${apiVersion}-${minVersion}.sock`);
  const server = http.createServer((req, res) => {
    res.setHeader('Api-Version', apiVersion);
    res.setHeader('Server', 'Docker/99.0 (linux)');
    if (req.url === '/_ping') res.end('OK');
    else if (req.url === '/version')
      res.end(JSON.stringify({ ApiVersion: apiVersion, MinAPIVersion: minVersion, Version: '99.0' }));
    else res.writeHead(404).end('{"message":"page not found"}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('engine discovery', () => {
  it('explains which engine is used and why', async () => {
    const e = engine.runtime.explanation;
    expect(e.kind).toBe(ENGINE);
    expect(e.apiVersion).toMatch(/^1\.4[1-5]$/);
    // skiffd without the session protocol yet falls back to the reaper process.
    expect(ENGINE === 'docker' ? ['reaper'] : ['engine', 'reaper']).toContain(e.sessions);
    expect(formatExplanation(e)).toContain(`engine:      ${ENGINE}`);
  });

  it('uses DOCKER_HOST only when SKIFF_ENGINE=docker chooses it, and says so', async () => {
    const env = {
      ...process.env,
      ...engine.env,
      SKIFF_HOST: undefined,
      SKIFF_ENGINE: 'docker',
      DOCKER_HOST: engine.host,
    };
    const e = await explainEngine({ env });
    expect(e.source).toBe('DOCKER_HOST');
    const noChoice = await explainEngine({
      env: { PATH: process.env.PATH, DOCKER_HOST: engine.host, SKIFF_NO_AUTOSTART: '1' },
      defaultSkiffSocket: path.join(dir, 'no-skiffd.sock'),
    }).catch((err: unknown) => err);
    expect(noChoice).toMatchObject({ code: 'SKIFF_ENGINE_UNAVAILABLE' });
    expect(String((noChoice as Error).message)).toContain('set SKIFF_ENGINE=docker to use that daemon');
    expect(String((noChoice as Error).message)).toContain('no-skiffd.sock');
  });

  it('fails clearly when SKIFF_HOST points nowhere', async () => {
    const err = await createRuntime({ env: { SKIFF_HOST: `unix://${dir}/nothing.sock` } }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'SKIFF_ENGINE_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain('nothing.sock');
  });

  it('clamps the API version to its range and refuses engines outside it', async () => {
    const newer = await fakeEngine('1.52', '1.24');
    const older = await fakeEngine('1.30', '1.12');
    const tooNew = await fakeEngine('1.60', '1.50');
    try {
      expect((await explainEngine({ host: `unix://${newer.socket}` })).apiVersion).toBe('1.45');
      expect((await explainEngine({ host: `unix://${older.socket}` })).apiVersion).toMatch(
        /needs at least 1\.41/,
      );
      const err = await createRuntime({ host: `unix://${tooNew.socket}`, handleSignals: false }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'SKIFF_API_VERSION_UNSUPPORTED' });
      expect(String((err as Error).message)).toContain('accepts Docker Engine API 1.50 and newer');
    } finally {
      await Promise.all([newer.close(), older.close(), tooNew.close()]);
    }
  });
});

describe('startAll', () => {
  it('starts independent containers in parallel and stops the rest when one fails', async () => {
    const started = await startAll([
      new GenericContainer(BUSYBOX).withCommand(['sleep', '300']),
      new GenericContainer(BUSYBOX).withCommand(['sleep', '301']),
      new GenericContainer(BUSYBOX).withCommand(['sleep', '302']),
    ] as const);
    expect(new Set(started.map((c) => c.getId())).size).toBe(3);
    await Promise.all(started.map((c) => c.stop()));

    const err = await startAll([
      new GenericContainer(BUSYBOX).withCommand(['sleep', '300']).withLabels({ 'startall.test': 'yes' }),
      new GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', 'exit 3'])
        .withWaitStrategy(Wait.forLogMessage('ready')),
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
    expect(await listContainers(engine.client, { label: ['startall.test=yes'] }, { all: true })).toEqual([]);
  });
});
