import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, type CliResult, SkiffdHarness } from '../api/skiffd-harness.js';
import { busyboxTar } from './build-fixture.js';

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
    await buildEngine();
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
