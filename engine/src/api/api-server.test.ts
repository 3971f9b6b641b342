import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType } from '../constants.js';
import { silentLogger } from '../logger.js';
import { ApiServer } from './api-server.js';
import { encodeFrames, FrameDecoder, StreamType } from './protocol/multiplexed-stream.js';
import { Router } from './router.js';

/** Sends raw byte chunks (with small pauses between them) and collects everything until the server closes. */
function rawExchange(
  socketPath: string,
  chunks: (string | Buffer)[],
  options: { halfClose?: boolean; pauseMs?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    const got: Buffer[] = [];
    s.on('data', (c) => got.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, options.pauseMs ?? 20));
      }
      if (options.halfClose ?? true) s.end();
    });
  });
}

function splitHead(response: Buffer): { head: string; body: Buffer } {
  const end = response.indexOf('\r\n\r\n');
  return { head: response.subarray(0, end).toString(), body: response.subarray(end + 4) };
}

function get(socketPath: string, p: string, method = 'GET', body?: string | Buffer) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const req = request({ socketPath, path: p, method }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('API server over a unix socket', () => {
  let dir: string;
  let socketPath: string;
  let server: ApiServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-api-'));
    socketPath = path.join(dir, 'run', 'api.sock');
    const router = new Router();
    // A stand-in for exec start: the JSON body decides the greeting; stdin is echoed as stdout
    // frames; after the client's half-close a stderr frame still goes out, then the server closes.
    router.post('/exec/:id/start', async (ex) => {
      const body = (await ex.readJson()) as { Greeting?: string };
      const conn = await ex.hijack(MediaType.DockerMultiplexedStream);
      conn.output.write(
        encodeFrames(StreamType.stdout, Buffer.from(`${body?.Greeting ?? 'none'}:${ex.params.id}|`)),
      );
      conn.input.on('data', (c: Buffer) => conn.output.write(encodeFrames(StreamType.stdout, c)));
      const finish = () =>
        setTimeout(() => {
          conn.output.write(encodeFrames(StreamType.stderr, Buffer.from('after-fin')));
          conn.end();
        }, 30);
      // In plain mode the input is the request body, already consumed by readJson.
      if (conn.input.readableEnded) finish();
      else conn.input.on('end', finish);
    });
    router.post('/json', async (ex) => {
      ex.json(200, { got: await ex.readJson(1024) });
    });
    router.get('/query', (ex) => {
      ex.json(200, { length: ex.query.get('big')?.length ?? 0 });
    });
    router.get('/slow-stream', async (ex) => {
      const out = ex.stream(200, 'application/json');
      await new Promise((r) => setTimeout(r, 300));
      out.end('{"done":true}\n');
    });
    router.get('/boom', () => {
      throw new Error('kaboom');
    });
    server = new ApiServer({ router, logger: silentLogger() });
    await server.listen(socketPath);
  });

  afterAll(async () => {
    await server.close(100);
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the socket for root only, in a private directory', async () => {
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(socketPath))).mode & 0o777).toBe(0o700);
  });

  it('answers 101 UPGRADED for Upgrade: tcp, reads exactly Content-Length, and treats the rest as stdin', async () => {
    const body = '{"Greeting":"hello","Tty":false}';
    const response = await rawExchange(socketPath, [
      `POST /v1.45/exec/abc/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}stdin-bytes`,
    ]);
    const { head, body: stream } = splitHead(response);
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(lines).toContain(`Content-Type: ${MediaType.DockerMultiplexedStream}`);
    expect(lines).toContain('Connection: Upgrade');
    expect(lines).toContain('Upgrade: tcp');
    expect(lines).toContain('Api-Version: 1.45');
    const frames = new FrameDecoder().push(stream);
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      [1, 'hello:abc|'],
      [1, 'stdin-bytes'],
      [2, 'after-fin'],
    ]);
  });

  it('reads a body that arrives split across packets before any stdin', async () => {
    const body = '{"Greeting":"split"}';
    const response = await rawExchange(socketPath, [
      `POST /exec/x1/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n`,
      body.slice(0, 5),
      `${body.slice(5)}AB`,
      'CD',
    ]);
    const frames = new FrameDecoder().push(splitHead(response).body);
    expect(frames.map((f) => f.payload.toString()).join('')).toBe('split:x1|ABCDafter-fin');
  });

  it('keeps writing after the client half-closed: output sent after FIN reaches the client', async () => {
    const response = await rawExchange(socketPath, [
      'POST /exec/fin/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
    ]);
    const frames = new FrameDecoder().push(splitHead(response).body);
    expect(frames.at(-1)?.payload.toString()).toBe('after-fin');
  });

  it('answers a plain request (dockerode) with 200 and a raw stream ended by closing the connection', async () => {
    const body = '{"Greeting":"plain"}';
    const response = await rawExchange(
      socketPath,
      [
        `POST /exec/p/start HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ],
      { halfClose: false },
    );
    const { head, body: stream } = splitHead(response);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).not.toMatch(/Transfer-Encoding/i);
    expect(head).not.toMatch(/Content-Length/i);
    const frames = new FrameDecoder().push(stream);
    expect(frames.map((f) => f.payload.toString())).toEqual(['plain:p|', 'after-fin']);
  });

  it('routes both bare and versioned paths and puts the version headers on every response', async () => {
    for (const p of ['/json', '/v1.45/json', '/v1.24/json']) {
      const r = await get(socketPath, p, 'POST', '{"a":1}');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ got: { a: 1 } });
      expect(r.headers['api-version']).toBe('1.45');
      expect(r.headers.ostype).toBe('linux');
      expect(r.headers['docker-experimental']).toBe('false');
      expect(r.headers.server).toMatch(/^Skiff\//);
    }
  });

  it("rejects versions outside 1.24-1.45 with Docker's messages", async () => {
    const tooNew = await get(socketPath, '/v1.50/json', 'POST');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body)).toEqual({
      message: 'client version 1.50 is too new. Maximum supported API version is 1.45',
    });
    const tooOld = await get(socketPath, '/v1.12/json', 'POST');
    expect(tooOld.status).toBe(400);
    expect(JSON.parse(tooOld.body).message).toMatch(
      /^client version 1.12 is too old. Minimum supported API version is 1.24/,
    );
    expect(tooOld.headers['api-version']).toBe('1.45');
  });

  it('answers 404 page not found for unknown paths, on normal and upgrade requests', async () => {
    const r = await get(socketPath, '/v1.45/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ message: 'page not found' });
    const raw = await rawExchange(socketPath, [
      'POST /session HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n',
    ]);
    const { head, body } = splitHead(raw);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(JSON.parse(body.toString())).toEqual({ message: 'page not found' });
  });

  it('answers malformed JSON with 400 and oversized bodies with 413, and keeps serving', async () => {
    const bad = await get(socketPath, '/json', 'POST', '{"a":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/invalid JSON/);
    const big = await get(socketPath, '/json', 'POST', JSON.stringify({ x: 'y'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).message).toMatch(/larger than the limit/);
    const boom = await get(socketPath, '/boom');
    expect(boom.status).toBe(500);
    expect(JSON.parse(boom.body)).toEqual({ message: 'kaboom' });
    expect((await get(socketPath, '/json', 'POST', '{}')).status).toBe(200);
  });

  it('answers a malformed request target with 400, and cuts a connection whose refused body never ends', async () => {
    const bad = await rawExchange(socketPath, [
      'GET http://[broken HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n',
    ]);
    expect(splitHead(bad).head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(splitHead(bad).body.toString()).message).toMatch(/malformed request target/);
    // The client keeps its side open and announces more body than it sends: the engine answers
    // 413, lingers a moment for the rest, then closes rather than waiting for 10 MB forever.
    const tooBig = await rawExchange(
      socketPath,
      [
        'POST /json HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"a":',
      ],
      { halfClose: false },
    );
    expect(splitHead(tooBig).head.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('accepts query strings far beyond the 16 KiB default header limit (dockerode create)', async () => {
    const big = 'e'.repeat(200_000);
    const r = await get(socketPath, `/query?big=${big}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ length: 200_000 });
  });

  it('flushes the headers of a streamed response before the body is ready', async () => {
    const started = Date.now();
    const headersAfter = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath, path: '/slow-stream' }, (res) => {
        resolve(Date.now() - started);
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    expect(headersAfter).toBeLessThan(250);
  });

  it('refuses to listen on a socket another server answers on', async () => {
    const second = new ApiServer({ router: new Router(), logger: silentLogger() });
    await expect(second.listen(socketPath)).rejects.toThrow(/already serves/);
  });
});
