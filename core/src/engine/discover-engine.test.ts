import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { discoverEngine, engineKindFromHeaders } from './discover-engine.js';
import type { EngineEndpoint } from './endpoint.js';

/** A ping that answers for the given socket paths only, with the given headers. */
function pingAnswering(answers: Record<string, IncomingHttpHeaders>) {
  const asked: string[] = [];
  const ping = async (e: EngineEndpoint) => {
    const key = e.kind === 'unix' ? e.socketPath : `${e.host}:${e.port}`;
    asked.push(key);
    const headers = answers[key];
    if (!headers) throw new Error('connect ENOENT');
    return headers;
  };
  return { ping, asked };
}

const skiffd = { 'api-version': '1.45', 'skiff-version': '0.1.0' };
const docker = { 'api-version': '1.41', server: 'Docker/20.10.24 (linux)' };

describe('discoverEngine', () => {
  it('prefers SKIFF_HOST, and does not fall back when it does not answer', async () => {
    const { ping } = pingAnswering({ '/custom.sock': skiffd });
    const found = await discoverEngine({ env: { SKIFF_HOST: 'unix:///custom.sock' }, ping });
    expect(found).toMatchObject({ kind: 'skiff', source: 'SKIFF_HOST' });
    const silent = pingAnswering({ '/run/skiff/skiff.sock': skiffd });
    await expect(
      discoverEngine({ env: { SKIFF_HOST: '/dead.sock' }, ping: silent.ping }),
    ).rejects.toMatchObject({
      code: 'SKIFF_ENGINE_UNAVAILABLE',
    });
  });

  it('uses a running skiffd at the default socket next', async () => {
    const { ping } = pingAnswering({ '/default.sock': skiffd });
    const found = await discoverEngine({ env: {}, ping, defaultSkiffSocket: '/default.sock' });
    expect(found).toMatchObject({ kind: 'skiff', source: 'default-socket' });
    expect(found.steps).toEqual([
      'SKIFF_HOST: not set',
      'skiffd default socket unix:///default.sock: answered (skiff)',
    ]);
  });

  it('picks Docker only when SKIFF_ENGINE=docker: DOCKER_HOST, then the usual sockets', async () => {
    const viaEnv = pingAnswering({ '/d.sock': docker });
    expect(
      await discoverEngine({
        env: { SKIFF_ENGINE: 'docker', DOCKER_HOST: 'unix:///d.sock' },
        ping: viaEnv.ping,
      }),
    ).toMatchObject({
      kind: 'docker',
      source: 'DOCKER_HOST',
    });
    const viaSocket = pingAnswering({ '/var/run/docker.sock': docker });
    expect(await discoverEngine({ env: { SKIFF_ENGINE: 'docker' }, ping: viaSocket.ping })).toMatchObject({
      source: 'docker-socket',
    });
  });

  it('explains every place it looked when nothing answers, mentioning an unused DOCKER_HOST', async () => {
    const { ping } = pingAnswering({});
    const err = await discoverEngine({
      env: { DOCKER_HOST: 'unix:///d.sock', SKIFF_NO_AUTOSTART: '1' },
      ping,
      defaultSkiffSocket: '/nope.sock',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_ENGINE_UNAVAILABLE' });
    expect(String((err as Error).message)).toMatch(
      /SKIFF_HOST: not set[\s\S]*nope\.sock[\s\S]*disabled[\s\S]*SKIFF_ENGINE=docker/,
    );
  });

  it('tells engines apart by their ping headers', () => {
    expect(engineKindFromHeaders(skiffd)).toBe('skiff');
    expect(engineKindFromHeaders({ server: 'Skiff/0.1.0 (linux)' })).toBe('skiff');
    expect(engineKindFromHeaders(docker)).toBe('docker');
    expect(engineKindFromHeaders({ server: 'Libpod/4.3.1 (linux)' })).toBe('podman');
    expect(engineKindFromHeaders({})).toBe('unknown');
  });
});
