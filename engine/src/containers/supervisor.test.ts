import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { RecordingOciRuntime } from '../runtime/recording-oci-runtime.js';
import { ContainerCgroups } from './container-cgroups.js';
import type { OutputChunk } from './container-service.js';
import { ContainerStdio } from './container-stdio.js';
import { LogStore } from './log-store.js';
import type { ProcessPort } from './process-port.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';

const INIT_PID = 4242;
let dir: string;
let runtime: RecordingOciRuntime;
let signals: number[];

/** Fake /proc: the started init has exec'd its program; signals go to the fake runtime. */
function fakeProcesses(): ProcessPort {
  return {
    exe: async (pid) => (pid === INIT_PID ? '/bin/sh' : '/usr/bin/crun'),
    signal: (_pid, sig) => {
      signals.push(sig);
      const proc = [...runtime.processes.values()][0]!;
      if (sig === 9) proc.exit({ exitCode: 137, signal: 'SIGKILL' });
      if (sig === 15 && runtime.honourSigterm) proc.exit({ exitCode: 143, signal: 'SIGTERM' });
    },
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-supervisor-'));
  runtime = new RecordingOciRuntime();
  runtime.containerPidFor = () => INIT_PID;
  signals = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function supervise(overrides: Partial<SupervisorOptions> = {}) {
  const logs = new LogStore(silentLogger());
  const stdio = new ContainerStdio(false, false);
  const log = logs.openWriter('c1', path.join(dir, 'c1.log'));
  const supervisor = new Supervisor({
    id: 'c1',
    bundle: '/bundle',
    tty: false,
    openStdin: false,
    stdio,
    log,
    cgroups: new ContainerCgroups('/skiff/test', path.join(dir, 'cgroup')),
    placement: { cgroupsPath: '/skiff/test/c1', memoryOnParent: false },
    runtime,
    processes: fakeProcesses(),
    logger: silentLogger(),
    now: () => 1_000_000_000n,
    ...overrides,
  });
  return { supervisor, logs, stdio, log, proc: runtime.processes.get('c1')! };
}

describe('Supervisor', () => {
  it('knows the init pid once started, and delivers output to the log and attached sessions', async () => {
    const { supervisor, logs, stdio, log, proc } = supervise();
    const session = stdio.attach({ stdin: false, stdout: true, stderr: true, stream: true });
    await supervisor.started;
    expect(supervisor.initPid).toBe(INIT_PID);
    proc.stdout.write('out\n');
    proc.stderr!.write('err\n');
    proc.exit({ exitCode: 0 });
    const result = await supervisor.exited;
    stdio.endRun();
    expect(result).toMatchObject({ exitCode: 0, oomKilled: false, error: '' });
    const seen: OutputChunk[] = [];
    for await (const c of session.output) seen.push(c);
    expect(seen.map((c) => `${c.stream}:${c.data}`)).toEqual(['stdout:out\n', 'stderr:err\n']);
    await logs.closeWriter('c1', log);
    const logged: string[] = [];
    for await (const c of logs.read('c1', path.join(dir, 'c1.log'), {
      stdout: true,
      stderr: true,
      follow: false,
    })) {
      logged.push(`${c.stream}:${c.data}`);
    }
    expect(logged).toEqual(['stdout:out\n', 'stderr:err\n']);
  });

  it('sends SIGKILL when the stop signal is ignored past the timeout', async () => {
    const { supervisor } = supervise();
    await supervisor.started;
    const t0 = Date.now();
    const result = await supervisor.stop('SIGTERM', 100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(signals).toEqual([15, 9]);
    expect(result.exitCode).toBe(137);
    expect(result.oomKilled).toBe(false);
  });

  it('stops without SIGKILL when the container honours the stop signal', async () => {
    runtime.honourSigterm = true;
    const { supervisor } = supervise();
    await supervisor.started;
    expect((await supervisor.stop('SIGTERM', 10_000)).exitCode).toBe(143);
    expect(signals).toEqual([15]);
  });

  it('reports an OOM kill from the parent cgroup fail counter, but not a kill the engine sent', async () => {
    const parent = path.join(dir, 'cgroup', 'memory', 'skiff', 'test', 'c1');
    await mkdir(parent, { recursive: true });
    await writeFile(path.join(parent, 'memory.failcnt'), '7\n');
    const placement = { cgroupsPath: '/skiff/test/c1/c', memoryOnParent: true };
    const first = supervise({ placement });
    await first.supervisor.started;
    first.proc.exit({ exitCode: 137, signal: 'SIGKILL' });
    expect((await first.supervisor.exited).oomKilled).toBe(true);

    runtime = new RecordingOciRuntime();
    runtime.containerPidFor = () => INIT_PID;
    const second = supervise({ placement });
    await second.supervisor.started;
    await second.supervisor.kill('SIGKILL');
    expect((await second.supervisor.exited).oomKilled).toBe(false);
  });

  it('carries the runtime start error and Docker exit code of a process that never ran', async () => {
    const { supervisor, proc } = supervise();
    proc.exit({ exitCode: 127, error: 'executable file `nope` not found in $PATH' });
    expect(await supervisor.exited).toMatchObject({
      exitCode: 127,
      error: 'executable file `nope` not found in $PATH',
    });
  });
});
