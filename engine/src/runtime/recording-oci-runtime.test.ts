import { describe, expect, it } from 'vitest';
import { RecordingOciRuntime } from './recording-oci-runtime.js';

describe('RecordingOciRuntime', () => {
  it('behaves like a PID 1 that ignores SIGTERM until SIGKILL', async () => {
    const rt = new RecordingOciRuntime();
    const p = rt.run('c1', '/b', { stdin: false, tty: false });
    expect((await rt.state('c1'))?.status).toBe('running');
    await rt.kill('c1', 'SIGTERM');
    expect((await rt.state('c1'))?.status).toBe('running');
    await rt.kill('c1', 'SIGKILL');
    expect(await p.exited).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(await rt.state('c1')).toBeUndefined();
    await expect(rt.kill('c1', 'SIGKILL')).rejects.toThrow(/No such container/);
    expect(rt.calls.map((c) => c.op)).toEqual(['run', 'kill', 'kill', 'kill']);
  });

  it('fails execs in containers that are not running', async () => {
    const rt = new RecordingOciRuntime();
    const e = rt.exec('ghost', { args: ['true'] }, { stdin: false, tty: true });
    expect(e.stderr).toBeNull();
    expect((await e.exited).exitCode).toBe(128);
  });
});
