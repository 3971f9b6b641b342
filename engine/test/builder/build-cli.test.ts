import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { busyboxTar, type CliResult, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import {
  type RunningRegistryServer,
  startRegistryServer,
} from '../../src/registry/server/start-registry-server.js';

/** The docker CLI (client only) against the engine, with the classic builder. */
function docker(h: SkiffdHarness, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      { cwd, env: { ...process.env, DOCKER_HOST: `unix://${h.socketPath}`, DOCKER_BUILDKIT: '0' } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

async function write(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

describe('skiff build and docker build against skiffd', () => {
  const h = new SkiffdHarness();

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    const imported = await h.skiff(['import', '-c', 'CMD ["sh"]', await busyboxTar(), 'busybox:latest']);
    expect(imported.code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  it('builds with tags, build args and labels, applying .dockerignore on the client, and prints the step log', async () => {
    const ctx = await write(path.join(h.base, 'ctx1'), {
      Dockerfile: 'FROM busybox\nARG GREETING\nRUN echo "$GREETING" > /greeting\nCOPY . /ctx/\n',
      '.dockerignore': 'secret*\n!secret-but-wanted\n',
      'app.txt': 'app',
      'secret.key': 'never sent',
      'secret-but-wanted': 'kept',
    });
    const built = await h.skiff(
      ['build', '-t', 'cli:1', '-t', 'cli:latest', '--build-arg', 'GREETING', '--label', 'team=skiff', ctx],
      {
        env: { GREETING: 'from the environment' },
      },
    );
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(
      /^Sending build context to Skiff engine {2}\d+(\.\d+)?k?B\nStep 1\/5 : FROM busybox\n/,
    );
    expect(built.stdout).toMatch(/Successfully tagged cli:1\nSuccessfully tagged cli:latest\n$/);
    const run = await h.skiff(['run', '--rm', 'cli:1', 'sh', '-c', 'cat /greeting; ls -A /ctx']);
    expect(run.stdout).toBe('from the environment\n.dockerignore\nDockerfile\napp.txt\nsecret-but-wanted\n');
    const inspect = (await h.http('GET', '/images/cli:1/json')).json<{
      Config: { Labels: Record<string, string> };
    }>();
    expect(inspect.Config.Labels).toEqual({ team: 'skiff' });

    const quiet = await h.skiff(['build', '-q', '-t', 'cli:1', ctx]);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it('reads the Dockerfile from stdin or from outside the context, keeping it out of the image', async () => {
    const ctx = await write(path.join(h.base, 'ctx2'), { 'data.txt': 'data' });
    const outside = await write(path.join(h.base, 'dockerfiles'), {
      'app.Dockerfile': 'FROM busybox\nCOPY . /ctx/\n',
    });
    const fromFile = await h.skiff([
      'build',
      '-t',
      'outside:1',
      '-f',
      path.join(outside, 'app.Dockerfile'),
      ctx,
    ]);
    expect(fromFile.code).toBe(0);
    expect((await h.skiff(['run', '--rm', 'outside:1', 'ls', '-A', '/ctx'])).stdout).toBe('data.txt\n');
    const fromStdin = await h.skiff(['build', '-t', 'stdin:1', '-f', '-', ctx], {
      input: 'FROM busybox\nCOPY data.txt /from-stdin.txt\n',
    });
    expect(fromStdin.code).toBe(0);
    expect((await h.skiff(['run', '--rm', 'stdin:1', 'cat', '/from-stdin.txt'])).stdout).toBe('data');
  });

  it("exits with a failing RUN's exit code and Docker's message", async () => {
    const ctx = await write(path.join(h.base, 'ctx3'), {
      Dockerfile: 'FROM busybox\nRUN echo failing >&2; exit 42\n',
    });
    const failed = await h.skiff(['build', ctx]);
    expect(failed.code).toBe(42);
    expect(failed.stdout).toContain('failing\n');
    expect(failed.stderr).toBe(
      "The command '/bin/sh -c echo failing >&2; exit 42' returned a non-zero code: 42\nlast output lines:\n  failing\n",
    );
    const missing = await h.skiff(['build', path.join(h.base, 'no-such-dir')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('unable to prepare context');
  });

  it('serves the docker CLI (classic builder): the tag exists when the build returns, failures keep their exit code', async () => {
    const ctx = await write(path.join(h.base, 'ctx4'), {
      Dockerfile: 'FROM busybox\nRUN echo hi > /x\nCOPY hello.txt /\n',
      'hello.txt': 'hello\n',
    });
    const built = await docker(h, ['build', '-t', 'docker-cli:1', '.'], ctx);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain('Successfully tagged docker-cli:1');
    const inspected = await docker(h, ['image', 'inspect', '--format', '{{.Id}}', 'docker-cli:1'], ctx);
    expect(inspected.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const again = await docker(h, ['build', '-t', 'docker-cli:1', '.'], ctx);
    expect(again.stdout.match(/Using cache/g)).toHaveLength(2);
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN exit 5\n');
    const failed = await docker(h, ['build', '.'], ctx);
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain("The command '/bin/sh -c exit 5' returned a non-zero code: 5");
  });

  it('pulls a missing FROM image from a registry, and with --pull takes the registry’s newer one', async () => {
    const registry: RunningRegistryServer = await startRegistryServer({
      addr: '127.0.0.1:0',
      root: path.join(h.base, 'registry'),
      logger: silentLogger(),
    });
    try {
      const ref = `${registry.host}/skiff/base:1`;
      expect((await h.skiff(['tag', 'busybox', ref])).code).toBe(0);
      expect((await h.skiff(['push', ref])).code).toBe(0);
      expect((await h.skiff(['rmi', ref])).code).toBe(0);
      const ctx = await write(path.join(h.base, 'ctx-pull'), {
        Dockerfile: `FROM ${ref}\nRUN test ! -e /v && echo pulled-base\n`,
      });
      const pulled = await h.skiff(['build', '-t', 'pulled:1', ctx]);
      expect(pulled.stderr).toBe('');
      expect(pulled.code).toBe(0);
      expect(pulled.stdout).toContain('pulled-base');
      expect(pulled.stdout).toMatch(/Status: |Pull complete|Already exists|Downloaded|Pulling/);

      // A newer image goes to the registry under the same tag; locally the tag stays on the old one.
      const newer = await write(path.join(h.base, 'ctx-newer'), {
        Dockerfile: 'FROM busybox\nRUN echo v2 > /v\n',
      });
      expect((await h.skiff(['build', '-t', ref, newer])).code).toBe(0);
      expect((await h.skiff(['push', ref])).code).toBe(0);
      expect((await h.skiff(['tag', 'busybox', ref])).code).toBe(0);
      const uses = await write(path.join(h.base, 'ctx-uses'), { Dockerfile: `FROM ${ref}\nRUN cat /v\n` });
      const stale = await h.skiff(['build', uses]);
      expect(stale.code).toBe(1);
      const fresh = await h.skiff(['build', '--pull', '-t', 'fresh:1', uses]);
      expect(fresh.code).toBe(0);
      expect(fresh.stdout).toContain('v2\n');
    } finally {
      await registry.close();
    }
  });

  it('ADDs a URL: downloaded, mode 600, mtime from Last-Modified, named after the URL, checksum verified', async () => {
    const body = 'downloaded content\n';
    const server: Server = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: '/files/tool.sh' });
        res.end();
        return;
      }
      if (req.url !== '/files/tool.sh') {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'Content-Length': body.length });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const sha = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
      const ctx = await write(path.join(h.base, 'ctx-url'), {
        Dockerfile: [
          'FROM busybox',
          `ADD http://127.0.0.1:${port}/files/tool.sh /opt/`,
          `ADD --checksum=sha256:${sha} http://127.0.0.1:${port}/redirect /opt/renamed.sh`,
          'RUN stat -c "%a %Y %n" /opt/tool.sh /opt/renamed.sh && cat /opt/tool.sh',
          '',
        ].join('\n'),
      });
      const built = await h.skiff(['build', '--network', 'host', ctx]);
      expect(built.stderr).toBe('');
      expect(built.stdout).toContain(
        '600 1445412480 /opt/tool.sh\n600 1445412480 /opt/renamed.sh\ndownloaded content\n',
      );
      const bad = await write(path.join(h.base, 'ctx-url-bad'), {
        Dockerfile: `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/files/tool.sh /x\n`,
      });
      const refused = await h.skiff(['build', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `the checksum of http://127.0.0.1:${port}/files/tool.sh is sha256:${sha}, not sha256:${'0'.repeat(64)}`,
      );
      const missing = await write(path.join(h.base, 'ctx-url-404'), {
        Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/nope /x\n`,
      });
      const notFound = await h.skiff(['build', missing]);
      expect(notFound.stderr).toContain('the server answered HTTP 404');
    } finally {
      server.close();
    }
  });

  it('runs RUN steps on the default bridge with --network bridge, and releases the sandbox', async () => {
    const ctx = await write(path.join(h.base, 'ctx-bridge'), {
      Dockerfile: "FROM busybox\nRUN grep -c ':' /proc/net/dev && ip -4 addr show eth0 | grep -c inet\n",
    });
    const built = await h.skiff(['build', '--network', 'bridge', ctx]);
    expect(built.stderr).toBe('');
    expect(built.stdout).toMatch(/Running in [0-9a-f]{12}\n2\n1\n/);
    const netns = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .filter((l) => l.includes(h.engineName) && l.includes('netns'));
    expect(netns).toEqual([]);
  });

  it('leaves no build container, mount or scratch directory behind', async () => {
    const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(h.base));
    // Only the engine's own long-lived mounts may remain (none for builds).
    expect(mounts.filter((l) => l.includes('/build/'))).toEqual([]);
    const { readdir } = await import('node:fs/promises');
    const scratch = path.join(h.base, 'scratch', h.engineName, 'build');
    // The directories exist (builds ran there) and are empty.
    expect(await readdir(path.join(scratch, 'containers'))).toEqual([]);
    expect(await readdir(path.join(scratch, 'bundles')).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(h.base, 'root', 'tmp', 'build'))).toEqual([]);
    const ps = await h.skiff(['ps', '-a', '-q']);
    expect(ps.stdout).toBe('');
  });
});
