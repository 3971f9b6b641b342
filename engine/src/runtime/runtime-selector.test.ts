import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeName } from '../config.js';
import { HostUnsupportedError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { OciRuntime, RuntimeProcess, RuntimeStdio } from './oci-runtime.js';
import { type FakeRuntimeProcess, RecordingOciRuntime } from './recording-oci-runtime.js';
import { selectRuntime } from './runtime-selector.js';

/** A fake runtime whose containers exit at once with `exitCode`. */
class ScriptedRuntime extends RecordingOciRuntime {
  constructor(
    override readonly name: RuntimeName,
    private readonly exitCode: number,
  ) {
    super();
  }
  override run(id: string, bundle: string, stdio: RuntimeStdio): RuntimeProcess {
    const p = super.run(id, bundle, stdio) as FakeRuntimeProcess;
    const code = this.exitCode;
    setImmediate(() =>
      p.exit(code === 0 ? { exitCode: 0 } : { exitCode: 128, error: 'cgroups in hybrid mode not supported' }),
    );
    return p;
  }
}

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'skiff-select-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function options(runtimes: Partial<Record<RuntimeName, OciRuntime>>, preferred?: RuntimeName) {
  return {
    preferred,
    scratchDir: scratch,
    engineName: 'unit',
    host: { arch: 'x64', kernel: '6.1.0', hostname: 'h' },
    logger: silentLogger(),
    create: async (name: RuntimeName) => {
      const rt = runtimes[name];
      if (!rt) throw new Error(`${name}: command not found`);
      return rt;
    },
  };
}

describe('selectRuntime', () => {
  it('prefers crun when its trial container runs, and cleans the trial up', async () => {
    const crun = new ScriptedRuntime('crun', 0);
    const choice = await selectRuntime(options({ crun, runc: new ScriptedRuntime('runc', 0) }));
    expect(choice.runtime).toBe(crun);
    expect(choice.reason).toMatch(/^crun fake: ran a trial container/);
    expect(crun.calls.map((c) => c.op)).toEqual(['run', 'delete']);
    expect(await readdir(scratch)).toEqual([]);
  });

  it('falls back to runc and says why', async () => {
    const runc = new ScriptedRuntime('runc', 0);
    const choice = await selectRuntime(options({ crun: new ScriptedRuntime('crun', 1), runc }));
    expect(choice.runtime).toBe(runc);
    expect(choice.reason).toMatch(/because crun failed: trial container failed: cgroups in hybrid mode/);
  });

  it('honours SKIFF_RUNTIME and fails loudly when it cannot run', async () => {
    const runc = new ScriptedRuntime('runc', 0);
    expect(
      (await selectRuntime(options({ crun: new ScriptedRuntime('crun', 0), runc }, 'runc'))).runtime,
    ).toBe(runc);
    await expect(selectRuntime(options({ crun: new ScriptedRuntime('crun', 0) }, 'runc'))).rejects.toThrow(
      /SKIFF_RUNTIME=runc cannot run containers here: runc is not usable/,
    );
  });

  it('gives up with both reasons when nothing works', async () => {
    await expect(selectRuntime(options({ crun: new ScriptedRuntime('crun', 1) }))).rejects.toBeInstanceOf(
      HostUnsupportedError,
    );
  });
});
