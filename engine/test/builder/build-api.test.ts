import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiBackends } from '../../src/api/api-backends.js';
import { ApiServer } from '../../src/api/api-server.js';
import { Router } from '../../src/api/router.js';
import { buildRoutes } from '../../src/api/routes/build-routes.js';
import { silentLogger } from '../../src/logger.js';
import { BuildFixture } from './build-fixture.js';

const f = new BuildFixture();
let server: ApiServer;
let socketPath = '';

beforeAll(async () => {
  await f.setup();
  const router = new Router();
  buildRoutes({ builder: f.builder, spoolDir: path.join(f.root, 'tmp', 'build') })(router, {} as ApiBackends);
  server = new ApiServer({ router, logger: silentLogger() });
  socketPath = path.join(f.base, 'api.sock');
  await server.listen(socketPath);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await f.teardown();
});
afterEach(async () => {
  expect(await f.leftovers()).toEqual([]);
});

type Files = Record<string, string | Buffer>;

async function tarOf(files: Files): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const p = pack();
  p.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => p.once('end', resolve));
  for (const [name, content] of Object.entries(files)) {
    p.entry(
      { name, mode: 0o644, mtime: new Date(0) },
      typeof content === 'string' ? Buffer.from(content) : content,
    );
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

interface BuildResponse {
  status: number;
  contentType: string | undefined;
  raw: string;
  lines: Record<string, unknown>[];
  stream: string;
}

function post(
  query: string,
  body: Buffer | Readable,
  headers: Record<string, string> = {},
): Promise<BuildResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: 'POST',
        path: `/v1.45/build?${query}`,
        headers: { 'Content-Type': 'application/x-tar', ...headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(parts).toString();
          const isJsonLines = res.statusCode === 200;
          const lines = isJsonLines
            ? raw
                .split('\r\n')
                .filter((l) => l !== '')
                .map((l) => JSON.parse(l) as Record<string, unknown>)
            : [JSON.parse(raw) as Record<string, unknown>];
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            raw,
            lines,
            stream: lines.map((l) => (typeof l.stream === 'string' ? l.stream : '')).join(''),
          });
        });
      },
    );
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

const THREE_LINE = {
  Dockerfile: 'FROM busybox\nRUN echo hi > /x\nCOPY hello.txt /hello.txt\n',
  'hello.txt': 'hello\n',
};

describe('POST /build', () => {
  it("streams Docker's JSON lines and tags the image before the stream ends", async () => {
    const res = await post('t=api:1&t=api:2&rm=1&forcerm=1&version=1', await tarOf(THREE_LINE));
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.raw.endsWith('\r\n')).toBe(true);
    expect(res.stream).toMatch(
      /^Step 1\/3 : FROM busybox\n ---> [0-9a-f]{12}\nStep 2\/3 : RUN echo hi > \/x\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nStep 3\/3 : COPY hello.txt \/hello.txt\n ---> [0-9a-f]{12}\nSuccessfully built ([0-9a-f]{12})\nSuccessfully tagged api:1\nSuccessfully tagged api:2\n$/,
    );
    const aux = res.lines.find((l) => l.aux) as { aux: { ID: string } };
    const image = await f.store.get('api:2');
    expect(aux.aux.ID).toBe(image.id);
    expect(await f.readImageFile('api:1', 'hello.txt')).toBe('hello\n');

    const cached = await post('t=api:1', await tarOf(THREE_LINE));
    expect(cached.stream.match(/ ---> Using cache\n/g)).toHaveLength(2);
    expect((cached.lines.find((l) => l.aux) as { aux: { ID: string } }).aux.ID).toBe(image.id);
  });

  it('takes buildargs, labels, target, q, nocache and a gzip-compressed context', async () => {
    const files = {
      Dockerfile:
        'FROM busybox AS one\nARG WHO\nRUN echo "hello $WHO" > /greeting\nFROM one AS two\nRUN echo never > /two\n',
    };
    const query = new URLSearchParams({
      t: 'params:1',
      buildargs: JSON.stringify({ WHO: 'api', UNSET: null }),
      labels: JSON.stringify({ team: 'skiff' }),
      target: 'one',
      q: '1',
      nocache: '1',
    });
    const res = await post(query.toString(), gzipSync(await tarOf(files)));
    expect(res.status).toBe(200);
    const image = await f.store.get('params:1');
    expect(res.lines).toEqual([{ aux: { ID: image.id } }, { stream: `${image.id}\n` }]);
    expect(await f.readImageFile('params:1', 'greeting')).toBe('hello api\n');
    expect(await f.readImageFile('params:1', 'two')).toBeUndefined();
    expect(image.config.config?.Labels).toEqual({ team: 'skiff' });
  });

  it('reads the Dockerfile named by `dockerfile` and drops it and .dockerignore when they are ignored', async () => {
    const name = `.dockerfile.${randomBytes(6).toString('hex')}`;
    const res = await post(
      `t=hidden:1&dockerfile=${name}`,
      await tarOf({
        [name]: 'FROM busybox\nCOPY . /ctx/\n',
        '.dockerignore': `${name}\n.dockerignore\n`,
        'app.txt': 'app',
      }),
    );
    expect(res.status).toBe(200);
    const listing = await f.withImageRoot('hidden:1', async (root) =>
      (await import('node:fs/promises')).readdir(path.join(root, 'ctx')),
    );
    expect(listing).toEqual(['app.txt']);
  });

  it('copies subdirectories, globs and links of an uploaded context, and sees a changed file in a directory', async () => {
    const files = (version: string) => ({
      Dockerfile: 'FROM busybox\nCOPY src /app/src\nCOPY conf/*.ini /etc/app/\n',
      'src/main.js': 'main',
      'src/lib/util.js': version,
      'conf/a.ini': 'a',
      'conf/b.txt': 'b',
    });
    const first = await post('t=subdirs:1', await tarOf(files('v1')));
    expect(first.status).toBe(200);
    expect(await f.readImageFile('subdirs:1', 'app/src/lib/util.js')).toBe('v1');
    expect(await f.readImageFile('subdirs:1', 'app/src/main.js')).toBe('main');
    expect(await f.readImageFile('subdirs:1', 'etc/app/a.ini')).toBe('a');
    expect(await f.readImageFile('subdirs:1', 'etc/app/b.txt')).toBeUndefined();
    const same = await post('t=subdirs:1', await tarOf(files('v1')));
    expect(same.stream.match(/Using cache/g)).toHaveLength(2);
    const changed = await post('t=subdirs:1', await tarOf(files('v2')));
    expect(changed.stream.match(/Using cache/g)).toBeNull();
    expect(await f.readImageFile('subdirs:1', 'app/src/lib/util.js')).toBe('v2');
  });

  it('answers bad requests with an HTTP error before streaming', async () => {
    const missing = await post('dockerfile=nope/Dockerfile', await tarOf(THREE_LINE));
    expect(missing.status).toBe(400);
    expect(missing.lines[0]?.message).toBe(
      'Cannot locate specified Dockerfile: nope/Dockerfile (it is not a file of the build context)',
    );
    const syntax = await post('', await tarOf({ Dockerfile: 'FROM busybox\nCOPY\n' }));
    expect(syntax.status).toBe(400);
    expect(syntax.lines[0]?.message).toMatch(/^Dockerfile:2:1: /);
    const tag = await post('t=NOT%20VALID', await tarOf(THREE_LINE));
    expect(tag.status).toBe(400);
    expect(tag.lines[0]?.message).toMatch(/^invalid tag "NOT VALID"/);
    const buildkit = await post('version=2', await tarOf(THREE_LINE));
    expect(buildkit.status).toBe(400);
    expect(buildkit.lines[0]?.message).toMatch(/BuildKit\) is not supported/);
    const garbage = await post(
      '',
      Buffer.from('this is not a tar archive, not even close, but long enough to parse'.repeat(20)),
    );
    expect(garbage.status).toBe(400);
    expect(garbage.lines[0]?.message).toMatch(/build context|Dockerfile/);
    const target = await post('target=nosuch', await tarOf(THREE_LINE));
    expect([400, 404]).toContain(target.status);
    expect(target.lines[0]?.message).toBe(
      'failed to reach build target nosuch in Dockerfile: no stage is named "nosuch"; the stages are: (unnamed stage 0)',
    );
  });

  it('reports a failure after streaming began in-band, with the RUN exit code', async () => {
    const res = await post(
      't=fail:1',
      await tarOf({ Dockerfile: 'FROM busybox\nRUN echo about to fail; exit 7\n' }),
    );
    expect(res.status).toBe(200);
    const last = res.lines[res.lines.length - 1];
    expect(last).toEqual({
      errorDetail: {
        code: 7,
        message:
          "The command '/bin/sh -c echo about to fail; exit 7' returned a non-zero code: 7\nlast output lines:\n  about to fail",
      },
      error:
        "The command '/bin/sh -c echo about to fail; exit 7' returned a non-zero code: 7\nlast output lines:\n  about to fail",
    });
    expect(await f.store.find('fail:1')).toBeUndefined();
  });

  it('streams a context larger than the memory the engine may use, to disk, with bounded memory', async () => {
    const size = 768 * 1024 * 1024;
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    async function* context() {
      const p = pack();
      const dockerfile = Buffer.from('FROM busybox\nCOPY big.bin small.txt /data/\n');
      p.entry({ name: 'Dockerfile', size: dockerfile.length }, dockerfile);
      p.entry({ name: 'small.txt', size: 6 }, Buffer.from('small\n'));
      const sink = p.entry({ name: 'big.bin', size });
      (async () => {
        for (let written = 0; written < size; written += chunk.length) {
          if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
        sink.end();
        p.finalize();
      })();
      yield* p as AsyncIterable<Buffer>;
    }
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const res = await post('t=big:1', Readable.from(context())).finally(() => clearInterval(sampler));
    expect(res.status).toBe(200);
    expect(res.stream).toContain('Successfully tagged big:1');
    // Spooled and copied in bounded chunks: the engine's memory barely moves for 768 MiB.
    expect(peak - baseline).toBeLessThan(200 * 1024 * 1024);
    const st = await f.withImageRoot('big:1', async (root) =>
      (await import('node:fs/promises')).stat(path.join(root, 'data', 'big.bin')),
    );
    expect(st.size).toBe(size);
    expect(await f.readImageFile('big:1', 'data/small.txt')).toBe('small\n');
  }, 300_000);
});
