import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputChunk } from '../../src/containers/container-service.js';
import { formatTimestampNano } from '../../src/containers/log-format.js';
import { ConflictError } from '../../src/errors.js';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;

beforeAll(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup();
});

afterAll(async () => {
  await fx.teardown();
});

async function running(cmd: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const { id } = await fx.service.create({ image: 'busybox', cmd, networkMode: 'none', ...extra });
  await fx.service.start(id);
  return id;
}

async function collect(it: AsyncIterable<OutputChunk>): Promise<OutputChunk[]> {
  const out: OutputChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('logs', () => {
  it('follows a running container until it exits and filters by since and tail', async () => {
    const id = await running(['sh', '-c', 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three']);
    const followed = await collect(fx.service.logs(id, { stdout: true, stderr: true, follow: true }));
    expect(followed.map((c) => `${c.stream}:${c.data}`)).toEqual([
      'stdout:one\n',
      'stderr:two\n',
      'stdout:three\n',
    ]);
    const second = followed[1]!.timeNano;
    const since = Number(second) / 1e9 - 0.001;
    expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false, since }))).toBe(
      'two\nthree\n',
    );
    expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false, tail: 1 }))).toBe(
      'three\n',
    );
    const stamped = await text(
      fx.service.logs(id, { stdout: true, stderr: false, follow: false, tail: 1, timestamps: true } as never),
    );
    expect(stamped).toBe(`${formatTimestampNano(followed[2]!.timeNano)} three\n`);
  });

  it('keeps the log history across restarts', async () => {
    const id = await running(['sh', '-c', 'echo run']);
    await fx.service.wait(id, 'not-running');
    const again = fx.service.wait(id, 'next-exit');
    await fx.service.start(id);
    await again;
    expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false }))).toBe('run\nrun\n');
  });
});

describe('attach', () => {
  it('attached before start sees all output, and stdin reaches the container', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo ready; read line; echo "got $line"; echo bye >&2'],
      networkMode: 'none',
      openStdin: true,
      stdinOnce: true,
    });
    const session = await fx.service.attach(id, {
      stdin: true,
      stdout: true,
      stderr: true,
      logs: false,
      stream: true,
    });
    const output = collect(session.output);
    await fx.service.start(id);
    session.stdin!.end('hello\n');
    const chunks = await output;
    expect(
      chunks
        .filter((c) => c.stream === 'stdout')
        .map((c) => c.data.toString())
        .join(''),
    ).toBe('ready\ngot hello\n');
    expect(
      chunks
        .filter((c) => c.stream === 'stderr')
        .map((c) => c.data.toString())
        .join(''),
    ).toBe('bye\n');
    expect((await fx.service.wait(id, 'not-running')).statusCode).toBe(0);
  });

  it('runs a tty container with one merged raw stream', async () => {
    const { id } = await fx.service.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'tty; echo err >&2'],
      networkMode: 'none',
      tty: true,
    });
    const session = await fx.service.attach(id, {
      stdin: false,
      stdout: true,
      stderr: true,
      logs: false,
      stream: true,
    });
    expect(session.tty).toBe(true);
    const output = collect(session.output);
    await fx.service.start(id);
    const all = (await output).map((c) => c.data.toString()).join('');
    expect(all).toMatch(/\/dev\/pts\/\d+\r\nerr\r\n/);
    expect((await output).every((c) => c.stream === 'stdout')).toBe(true);
  });

  it('gives a tty container its terminal on stdin, stdout and stderr: ConsoleSize at start (24x80 without), then resized', async () => {
    for (const [consoleSize, initial] of [
      [undefined, '24 80'],
      [{ rows: 30, cols: 100 }, '30 100'],
    ] as const) {
      const { id } = await fx.service.create({
        image: 'busybox',
        cmd: [
          'sh',
          '-c',
          'stty size; test -t 0 && test -t 1 && test -t 2 && echo terminal; read x; stty size',
        ],
        networkMode: 'none',
        tty: true,
        openStdin: true,
        ...(consoleSize ? { consoleSize } : {}),
      });
      const session = await fx.service.attach(id, {
        stdin: true,
        stdout: true,
        stderr: true,
        logs: false,
        stream: true,
      });
      const output = text(session.output);
      await fx.service.start(id);
      await fx.service.resize(id, { rows: 40, cols: 120 });
      session.stdin?.write('go\r');
      // The first `stty size` may run before or after the resize; the one after `read` never does.
      expect(await output).toMatch(
        new RegExp(`^(${initial}|40 120)\\r\\nterminal\\r\\ngo\\r\\n40 120\\r\\n$`),
      );
      expect((await fx.service.wait(id, 'not-running')).statusCode).toBe(0);
    }
  });

  it('starts a tty container whose terminal already has its size', async () => {
    for (const [consoleSize, initial] of [
      [undefined, '24 80'],
      [{ rows: 30, cols: 100 }, '30 100'],
    ] as const) {
      const { id } = await fx.service.create({
        image: 'busybox',
        cmd: ['stty', 'size'],
        networkMode: 'none',
        tty: true,
        ...(consoleSize ? { consoleSize } : {}),
      });
      await fx.service.start(id);
      await fx.service.wait(id, 'not-running');
      expect(await text(fx.service.logs(id, { stdout: true, stderr: true, follow: false }))).toBe(
        `${initial}\r\n`,
      );
    }
  });
});

describe('exec', () => {
  it('runs with env, workdir and user, and records the exit code before the output ends', async () => {
    const id = await running(['sleep', '60']);
    const execId = await fx.service.createExec(id, {
      cmd: ['sh', '-c', 'echo "$FOO $(pwd) $(id -u)"; echo e >&2; exit 5'],
      env: ['FOO=bar'],
      workingDir: '/tmp',
      user: 'app',
      attachStdout: true,
      attachStderr: true,
    });
    const session = await fx.service.startExec(execId, { detach: false });
    const chunks: OutputChunk[] = [];
    for await (const c of session.output) chunks.push(c);
    const afterEof = await fx.service.inspectExec(execId);
    expect(afterEof.exitCode).toBe(5);
    expect(afterEof.running).toBe(false);
    expect(
      chunks
        .filter((c) => c.stream === 'stdout')
        .map((c) => c.data.toString())
        .join(''),
    ).toBe('bar /tmp 1000\n');
    expect(
      chunks
        .filter((c) => c.stream === 'stderr')
        .map((c) => c.data.toString())
        .join(''),
    ).toBe('e\n');
    expect(await session.exitCode).toBe(5);
  });

  it('passes stdin and sees its half-close as EOF', async () => {
    const id = await running(['sleep', '60']);
    const execId = await fx.service.createExec(id, { cmd: ['cat'], attachStdin: true, attachStdout: true });
    const session = await fx.service.startExec(execId, { detach: false });
    session.stdin!.write('abc');
    session.stdin!.end('def\n');
    expect(await text(session.output)).toBe('abcdef\n');
    expect(await session.exitCode).toBe(0);
  });

  it('answers 127 for a missing binary and 126 for a non-executable one', async () => {
    const id = await running(['sleep', '60']);
    for (const [cmd, code] of [
      [['/no/such/binary'], 127],
      [['/bin/not-executable'], 126],
      [['/etc'], 126],
    ] as const) {
      const execId = await fx.service.createExec(id, {
        cmd: [...cmd],
        attachStdout: true,
        attachStderr: true,
      });
      const session = await fx.service.startExec(execId, { detach: false });
      expect(await text(session.output, 'stderr')).toMatch(
        /not found|Permission denied|Operation not permitted/,
      );
      expect((await fx.service.inspectExec(execId)).exitCode, cmd[0]).toBe(code);
    }
  });

  it('runs under a tty', async () => {
    const id = await running(['sleep', '60']);
    const execId = await fx.service.createExec(id, { cmd: ['tty'], tty: true, attachStdout: true });
    const session = await fx.service.startExec(execId, { detach: false });
    expect(await text(session.output)).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    expect(await session.exitCode).toBe(0);
  });

  it('refuses an exec in a stopped container', async () => {
    const { id } = await fx.service.create({ image: 'busybox', cmd: ['true'], networkMode: 'none' });
    await expect(fx.service.createExec(id, { cmd: ['true'] })).rejects.toBeInstanceOf(ConflictError);
  });
});
