import { describe, expect, it } from 'vitest';
import { parseRuntimeVersion } from './create-oci-runtime.js';
import { exitStatusOf, parseRuntimeLog, runtimeErrors, startFailureExitCode } from './runtime-exit.js';

describe('exitStatusOf', () => {
  it('passes the container status through, naming the signal for 128+N', () => {
    expect(exitStatusOf('run', 7, null, [])).toEqual({ exitCode: 7 });
    expect(exitStatusOf('run', 137, null, [])).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('maps a runtime killed by a signal to 128+N', () => {
    expect(exitStatusOf('run', null, 'SIGTERM', [])).toEqual({ exitCode: 143, signal: 'SIGTERM' });
    expect(exitStatusOf('exec', null, 9, [])).toEqual({ exitCode: 137, signal: 'SIGKILL' });
  });

  it("turns logged start failures into Docker's 127/126/128", () => {
    const crunMissing = 'executable file `nope` not found in $PATH: No such file or directory';
    expect(exitStatusOf('exec', 255, null, [crunMissing])).toEqual({ exitCode: 127, error: crunMissing });
    expect(exitStatusOf('run', 1, null, ['open executable: Permission denied']).exitCode).toBe(126);
    expect(exitStatusOf('run', 1, null, ['cgroups: something broke']).exitCode).toBe(128);
  });

  it("keeps the process's own 1 or 255 when the runtime logged no error", () => {
    expect(exitStatusOf('run', 1, null, [])).toEqual({ exitCode: 1 });
    expect(exitStatusOf('exec', 255, null, [])).toEqual({ exitCode: 255 });
    expect(exitStatusOf('run', 255, null, ['x'])).toEqual({ exitCode: 255 });
  });
});

describe('runtime logs', () => {
  it('parses crun and runc JSON lines and keeps errors', () => {
    const log = [
      '{"msg":"executable file `x` not found","level":"error","time":"t"}',
      '{"level":"warning","msg":"something odd","time":"t"}',
      '',
    ].join('\n');
    expect(runtimeErrors(parseRuntimeLog(log))).toEqual(['executable file `x` not found']);
  });

  it("never takes a process's own output for a runtime error", () => {
    // What crun 1.8 flushes into its log from a TTY it stopped relaying: the process's words, raw.
    const log = ['/dev/pts/0\r', 'Error: the program failed', '"a JSON string"', '42', ''].join('\n');
    const entries = parseRuntimeLog(log);
    expect(runtimeErrors(entries)).toEqual([]);
    expect(entries.map((e) => e.level)).toEqual(['output', 'output', 'output', 'output']);
    expect(exitStatusOf('run', 1, null, runtimeErrors(entries))).toEqual({ exitCode: 1 });
  });

  it('classifies runc wording too', () => {
    expect(startFailureExitCode('exec: "x": executable file not found in $PATH')).toBe(127);
    expect(startFailureExitCode('exec: "/dirx": permission denied')).toBe(126);
  });

  it('reads the version word of crun and runc', () => {
    expect(parseRuntimeVersion('crun version 1.8.1\ncommit: f8a0\n')).toBe('1.8.1');
    expect(parseRuntimeVersion('runc version 1.1.5+ds1\n')).toBe('1.1.5+ds1');
  });
});
