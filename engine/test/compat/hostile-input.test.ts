import { BUSYBOX, provideBusybox, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/api/protocol/multiplexed-stream.js';

const V = '/v1.45';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

function splitHead(response: Buffer): { head: string[]; body: Buffer } {
  const end = response.indexOf('\r\n\r\n');
  return { head: response.subarray(0, end).toString().split('\r\n'), body: response.subarray(end + 4) };
}

/**
 * Bad input on every kind of endpoint — malformed JSON, wrong types, unknown fields, oversized
 * bodies, bad ids, bad headers — gets a 4xx with Docker's `{"message": …}` and leaves the engine
 * serving; and the byte-level stream formats the existing API suite does not pin (TTY exec
 * hijack, attach with log replay).
 */
describe('hostile input and raw stream formats on a real skiffd', () => {
  const h = new SkiffdHarness();
  let running = '';

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await provideBusybox(h.api);
    const created = await h.http('POST', `${V}/containers/create`, {
      body: JSON.stringify({ Image: BUSYBOX, Cmd: ['sleep', '120'] }),
      headers: JSON_HEADERS,
    });
    running = created.json<{ Id: string }>().Id;
    expect((await h.http('POST', `${V}/containers/${running}/start`)).status).toBe(204);
  }, 180_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  const cases: {
    name: string;
    method: string;
    path: () => string;
    body?: string;
    headers?: Record<string, string>;
    status: number;
    message: RegExp;
  }[] = [
    {
      name: 'auth: malformed JSON',
      method: 'POST',
      path: () => '/auth',
      body: '{"username":',
      status: 400,
      message: /invalid JSON/,
    },
    {
      name: 'auth: not an object',
      method: 'POST',
      path: () => '/auth',
      body: '["a"]',
      status: 400,
      message: /JSON object body/,
    },
    {
      name: 'auth: no credentials',
      method: 'POST',
      path: () => '/auth',
      body: '{"serveraddress":"127.0.0.1:1"}',
      status: 400,
      message: /needs a username and password/,
    },
    {
      name: 'auth: oversized',
      method: 'POST',
      path: () => '/auth',
      body: JSON.stringify({ username: 'u', password: 'x'.repeat(200_000) }),
      status: 413,
      message: /larger than the limit/,
    },
    {
      name: 'update: malformed JSON',
      method: 'POST',
      path: () => `/containers/${running}/update`,
      body: '{',
      status: 400,
      message: /invalid JSON/,
    },
    {
      name: 'update: wrong type',
      method: 'POST',
      path: () => `/containers/${running}/update`,
      body: '{"Memory":"lots"}',
      status: 400,
      message: /invalid Memory/,
    },
    {
      name: 'update: unknown fields only',
      method: 'POST',
      path: () => `/containers/${running}/update`,
      body: '{"FutureKnob":1}',
      status: 200,
      message: /.*/,
    },
    {
      name: 'update: bad id',
      method: 'POST',
      path: () => '/containers/no-such-id/update',
      body: '{}',
      status: 404,
      message: /No such container: no-such-id/,
    },
    {
      name: 'export: bad id',
      method: 'GET',
      path: () => '/containers/no-such-id/export',
      status: 404,
      message: /No such container/,
    },
    {
      name: 'changes: bad id',
      method: 'GET',
      path: () => '/containers/no-such-id/changes',
      status: 404,
      message: /No such container/,
    },
    {
      name: 'exec create: malformed JSON',
      method: 'POST',
      path: () => `/containers/${running}/exec`,
      body: '{"Cmd":[',
      status: 400,
      message: /invalid JSON/,
    },
    {
      name: 'exec start: bad id',
      method: 'POST',
      path: () => '/exec/nope/start',
      body: '{}',
      status: 404,
      message: /No such exec/,
    },
    {
      name: 'network create: malformed JSON',
      method: 'POST',
      path: () => '/networks/create',
      body: '{"Name":',
      status: 400,
      message: /invalid JSON/,
    },
    {
      name: 'network: bad id',
      method: 'GET',
      path: () => '/networks/no-such-net',
      status: 404,
      message: /network no-such-net not found|No such network/,
    },
    {
      name: 'volume create: wrong type',
      method: 'POST',
      path: () => '/volumes/create',
      body: '{"Name":5}',
      status: 400,
      message: /invalid/,
    },
    {
      name: 'pull: garbage X-Registry-Auth',
      method: 'POST',
      path: () => `/images/create?fromImage=${BUSYBOX}`,
      headers: { 'X-Registry-Auth': '!!!' },
      status: 400,
      message: /X-Registry-Auth/,
    },
    {
      name: 'pull: bad reference',
      method: 'POST',
      path: () => '/images/create?fromImage=UPPER%20case',
      status: 400,
      message: /invalid reference format/,
    },
    {
      name: 'push: unknown image',
      method: 'POST',
      path: () => '/images/no-such/image/push?tag=1',
      headers: { 'X-Registry-Auth': 'e30=' },
      status: 404,
      message: /No such image/,
    },
    {
      name: 'build: malformed buildargs',
      method: 'POST',
      path: () => '/build?buildargs=%7Bnot',
      body: '',
      status: 400,
      message: /invalid buildargs/,
    },
    {
      name: 'df: unknown type',
      method: 'GET',
      path: () => '/system/df?type=everything',
      status: 400,
      message: /invalid type/,
    },
    {
      name: 'search',
      method: 'GET',
      path: () => '/images/search?term=redis',
      status: 400,
      message: /image search is not supported/,
    },
    {
      name: 'unknown route',
      method: 'GET',
      path: () => '/containers/x/unknown-verb',
      status: 404,
      message: /page not found/,
    },
  ];

  for (const c of cases) {
    it(`answers ${c.status}: ${c.name}`, async () => {
      const headers = { ...(c.body !== undefined ? JSON_HEADERS : {}), ...c.headers };
      const r = await h.http(c.method, `${V}${c.path()}`, {
        ...(c.body !== undefined ? { body: c.body } : {}),
        headers,
      });
      expect(r.status, r.body.toString()).toBe(c.status);
      if (c.status >= 400) expect(r.json<{ message: string }>().message).toMatch(c.message);
    });
  }

  it('is still serving after all of it, with the container untouched', async () => {
    expect((await h.http('GET', '/_ping')).body.toString()).toBe('OK');
    const inspect = await h.http('GET', `${V}/containers/${running}/json`);
    expect(inspect.json<{ State: { Running: boolean } }>().State.Running).toBe(true);
  });

  it('hijacks a TTY exec with a raw stream: no frames, CRLF from the terminal', async () => {
    const exec = await h.http('POST', `${V}/containers/${running}/exec`, {
      body: JSON.stringify({
        Cmd: ['sh', '-c', 'echo tty-out; echo tty-err >&2'],
        Tty: true,
        AttachStdout: true,
        AttachStderr: true,
      }),
      headers: JSON_HEADERS,
    });
    const id = exec.json<{ Id: string }>().Id;
    const body = '{"Detach":false,"Tty":true}';
    const response = await h.raw(
      `POST ${V}/exec/${id}/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      { halfCloseAfterMs: 50 },
    );
    const { head, body: stream } = splitHead(response);
    expect(head[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(head).toContain('Content-Type: application/vnd.docker.raw-stream');
    expect(stream.toString()).toBe('tty-out\r\ntty-err\r\n');
    expect((await h.http('GET', `${V}/exec/${id}/json`)).json<{ ExitCode: number }>().ExitCode).toBe(0);
  });

  it('replays the log before live output on attach with logs=1, framed byte by byte', async () => {
    const created = await h.http('POST', `${V}/containers/create`, {
      body: JSON.stringify({ Image: BUSYBOX, Cmd: ['sh', '-c', 'echo early; sleep 1; echo late >&2'] }),
      headers: JSON_HEADERS,
    });
    const id = created.json<{ Id: string }>().Id;
    await h.http('POST', `${V}/containers/${id}/start`);
    await new Promise((r) => setTimeout(r, 300));
    const response = await h.raw(
      `POST ${V}/containers/${id}/attach?logs=1&stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
      { halfCloseAfterMs: 0 },
    );
    const { head, body } = splitHead(response);
    expect(head[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(body.subarray(0, 8 + 6)).toEqual(
      Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 6]), Buffer.from('early\n')]),
    );
    expect(new FrameDecoder().push(body).map((f) => [f.stream, f.payload.toString()])).toEqual([
      [1, 'early\n'],
      [2, 'late\n'],
    ]);
  });
});
