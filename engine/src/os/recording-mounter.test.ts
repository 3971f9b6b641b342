import { describe, expect, it } from 'vitest';
import { MountError } from './mount-error.js';
import { RecordingMounter } from './recording-mounter.js';

describe('RecordingMounter', () => {
  it('records calls and answers list from its table', async () => {
    const m = new RecordingMounter();
    await m.mountOverlay({ target: '/x/m', lowerDirs: ['a'], upperDir: '/x/u', workDir: '/x/w', cwd: '/s' });
    await m.mountTmpfs('/x/m/tmp', { size: 1024 });
    expect(m.calls.map((c) => c.op)).toEqual(['overlay', 'tmpfs']);
    expect((await m.list('/x')).map((e) => e.mountPoint)).toEqual(['/x/m', '/x/m/tmp']);
    expect(await m.list('/y')).toEqual([]);
  });

  it('refuses to unmount a busy parent unless detached, like the kernel', async () => {
    const m = new RecordingMounter();
    await m.bind('/src', '/x/m');
    await m.bind('/src2', '/x/m/sub', { readOnly: true });
    await expect(m.unmount('/x/m')).rejects.toThrow(/busy/);
    await m.unmount('/x/m', { detach: true });
    expect(await m.list()).toEqual([]);
  });

  it('fails an operation once when told to', async () => {
    const m = new RecordingMounter();
    m.failNext('tmpfs');
    await expect(m.mountTmpfs('/t')).rejects.toBeInstanceOf(MountError);
    await m.mountTmpfs('/t');
    await expect(m.unmount('/nope')).rejects.toThrow(/not mounted/);
  });
});
