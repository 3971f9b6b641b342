import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BuildCancelledError,
  BuildStepError,
  RunStepFailedError,
} from '../../src/builder/executor/build-errors.js';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import { BuildFixture } from './build-fixture.js';

const f = new BuildFixture();
beforeAll(() => f.setup(), 120_000);
afterAll(() => f.teardown());
afterEach(async () => {
  // Whatever failed, no container, mount, cgroup, bundle, rootfs or half-filled snapshot is left.
  expect(await f.leftovers()).toEqual([]);
});

async function fails(files: Record<string, string>, request: Parameters<BuildFixture['build']>[1] = {}) {
  const run = await f.build(await f.context(files), request);
  expect(run.result).toBeUndefined();
  return { error: run.error as Error, log: run.log };
}

describe('bad Dockerfiles and contexts fail precisely and leave nothing behind', () => {
  it('an unknown instruction, with its place and a suggestion', async () => {
    const { error } = await fails({ Dockerfile: 'FROM busybox\nRUNN echo hi\n' });
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe('Dockerfile:2:1: unknown instruction: RUNN (did you mean RUN?)');
  });

  it('a Dockerfile without FROM', async () => {
    const { error } = await fails({ Dockerfile: 'RUN echo hi\n' });
    expect(error.message).toBe(
      'Dockerfile:1:1: RUN before the first FROM: only ARG instructions may come before FROM',
    );
  });

  it('a COPY source outside the context', async () => {
    const { error, log } = await fails({ Dockerfile: 'FROM busybox\nCOPY ../../etc/passwd /\n' });
    expect(error).toBeInstanceOf(BuildStepError);
    expect(error.message).toBe(
      'Dockerfile:2: COPY failed: "../../etc/passwd" is outside the build context: sources are paths inside it and cannot climb out with ".."',
    );
    expect(log).toContain('Step 2/2 : COPY ../../etc/passwd /');
  });

  it('a missing COPY source, and one excluded by .dockerignore', async () => {
    const missing = await fails({ Dockerfile: 'FROM busybox\nCOPY app/config.yml /etc/\n', 'app/x': '' });
    expect(missing.error.message).toBe(
      'Dockerfile:2: COPY failed: "app/config.yml" not found in the build context; is it excluded by .dockerignore?',
    );
    const ignored = await fails({
      Dockerfile: 'FROM busybox\nCOPY secret.pem /\n',
      'secret.pem': 'key',
      '.dockerignore': '*.pem\n',
    });
    expect(ignored.error.message).toContain(
      '"secret.pem" not found in the build context; is it excluded by .dockerignore?',
    );
    const glob = await fails({ Dockerfile: 'FROM busybox\nCOPY *.jar /app/\n' });
    expect(glob.error.message).toBe(
      'Dockerfile:2: COPY failed: no file in the build context matches "*.jar"',
    );
  });

  it('a COPY through a symlink that leaves the context', async () => {
    const dir = await f.context({ Dockerfile: 'FROM busybox\nCOPY etc-link/passwd /\n' });
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc', path.join(dir, 'etc-link'));
    const run = await f.build(dir);
    expect(String(run.error)).toContain(
      'COPY failed: "etc-link/passwd" goes through the symlink etc-link -> /etc, which points outside the build context',
    );
  });

  it('an unknown --from stage, naming the stages there are', async () => {
    const { error } = await fails({
      Dockerfile: 'FROM busybox AS build\nRUN echo > /out\nFROM busybox\nCOPY --from=biuld /out /out\n',
    });
    expect(error).toBeInstanceOf(BuildStepError);
    expect(error.message).toMatch(
      /^Dockerfile:4: COPY failed: --from=biuld names no stage \(the stages are build\) and no image on this machine: No such image: biuld/,
    );
  });

  it('a failing RUN, with its exit code and last output lines', async () => {
    const { error, log } = await fails({
      Dockerfile: 'FROM busybox\nRUN for i in $(seq 1 15); do echo line $i; done; echo oops >&2; exit 3\n',
    });
    expect(error).toBeInstanceOf(RunStepFailedError);
    const run = error as RunStepFailedError;
    expect(run.exitCode).toBe(3);
    expect(run.lastLines).toEqual([
      'line 7',
      'line 8',
      'line 9',
      'line 10',
      'line 11',
      'line 12',
      'line 13',
      'line 14',
      'line 15',
      'oops',
    ]);
    expect(run.message).toMatch(
      /^The command '\/bin\/sh -c for i in \$\(seq 1 15\); do echo line \$i; done; echo oops >&2; exit 3' returned a non-zero code: 3\nlast output lines:\n {2}line 7\n/,
    );
    expect(log).toContain('line 1\n');
  });

  it('an unset required build arg', async () => {
    const REQUIRED = 'FROM busybox\nARG RELEASE\nENV RELEASE=$' + '{RELEASE:?set-it-with--build-arg}\n';
    const { error } = await fails({
      Dockerfile: REQUIRED,
    });
    expect(error.message).toBe('Dockerfile:3:1: ENV: RELEASE: set-it-with--build-arg');
    const given = await f.build(
      await f.context({
        Dockerfile: REQUIRED,
      }),
      { buildArgs: new Map([['RELEASE', '1.0']]) },
    );
    expect(given.error).toBeUndefined();
  });

  it('a RUN as a user the image does not have', async () => {
    const { error } = await fails({ Dockerfile: 'FROM busybox\nUSER ghost\nRUN true\n' });
    expect(error.message).toBe(
      "Dockerfile:3: RUN failed: unable to find user ghost: no matching entries in the image's /etc/passwd",
    );
  });

  it('a RUN in an image without a shell', async () => {
    const { error } = await fails({ Dockerfile: 'FROM scratch\nCOPY a /a\nRUN echo hi\n', a: 'a' });
    expect(error).toBeInstanceOf(RunStepFailedError);
    expect((error as RunStepFailedError).exitCode).toBe(127);
    expect(error.message).toContain("The command '/bin/sh -c echo hi' returned a non-zero code: 127");
  });

  it('a base image of another platform, and one that is not here', async () => {
    const other = await fails({ Dockerfile: 'FROM --platform=linux/s390x busybox\nRUN true\n' });
    expect(other.error).toBeInstanceOf(NotFoundError);
    expect(other.error.message).toMatch(
      /^image with reference busybox was found but does not match the specified platform: wanted linux\/s390x, actual: linux\//,
    );
    const absent = await fails({ Dockerfile: 'FROM nosuchimage:1\n' });
    expect(absent.error.message).toContain('No such image: nosuchimage:1');
  });

  it('an invalid tag is refused before anything runs', async () => {
    const { error, log } = await fails({ Dockerfile: 'FROM busybox\nRUN true\n' }, { tags: ['Bad Tag'] });
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/^invalid tag "Bad Tag": /);
    expect(log).toBe('');
  });

  it('a build cancelled while a RUN runs: the container is killed and everything is released', async () => {
    const abort = new AbortController();
    const dir = await f.context({ Dockerfile: 'FROM busybox\nRUN echo started; sleep 60\n' });
    const messages: string[] = [];
    const inUse: string[] = [];
    const { openDirectoryContext } = await import('../../src/builder/executor/build-context.js');
    const context = await openDirectoryContext(dir);
    const started = Date.now();
    const building = f.builder.build(context, { signal: abort.signal }, (m) => {
      if (m.stream) messages.push(m.stream);
      if (m.stream === 'started\n') {
        inUse.push(...f.builder.chainsInUse());
        abort.abort();
      }
    });
    await expect(building).rejects.toBeInstanceOf(BuildCancelledError);
    expect(Date.now() - started).toBeLessThan(30_000);
    // While the step ran, its layers were reported as in use (garbage collection keeps them).
    expect(inUse).toEqual(f.busybox.layers.map((l) => l.chainId));
    expect(f.builder.chainsInUse()).toEqual([]);
    await context.close();
  });

  it('an empty context directory without a Dockerfile', async () => {
    const dir = path.join(f.base, 'empty-ctx');
    await mkdir(dir);
    await writeFile(path.join(dir, 'README'), 'x');
    const run = await f.build(dir);
    expect(String(run.error)).toContain('Cannot locate specified Dockerfile: Dockerfile');
  });
});
