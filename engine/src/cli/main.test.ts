import { describe, expect, it } from 'vitest';
import { buildProgram, commandWord, TOP_LEVEL_COMMANDS } from './main.js';

describe('skiff program', () => {
  it('knows every top-level command it defines, so a partial program never misses one', () => {
    const names = buildProgram()
      .commands.map((c) => c.name())
      .sort();
    expect(names).toEqual([...TOP_LEVEL_COMMANDS].sort());
  });

  it('defines only the requested command when given one', () => {
    expect(buildProgram('run').commands.map((c) => c.name())).toEqual(['run']);
    expect(buildProgram('stop').commands.map((c) => c.name())).toEqual(['stop', 'restart']);
  });

  it('finds the command word after the global -H option', () => {
    expect(commandWord(['-H', '/tmp/x.sock', 'ps', '-a'])).toBe('ps');
    expect(commandWord(['--host', 'unix:///x', 'run', 'busybox'])).toBe('run');
    expect(commandWord(['--host=/x', 'images'])).toBe('images');
    expect(commandWord(['--help'])).toBeUndefined();
  });
});
