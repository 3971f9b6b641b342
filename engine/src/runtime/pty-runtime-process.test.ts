import { describe, expect, it } from 'vitest';
import { onlcr } from './pty-runtime-process.js';

describe('onlcr', () => {
  it('turns a bare NL into CR NL and leaves CR NL alone, across chunk boundaries', () => {
    const convert = onlcr();
    const out = ['a\nb\r\n', '\n', 'c\r', '\nd', ''].map((s) => convert(Buffer.from(s)).toString());
    expect(out.join('')).toBe('a\r\nb\r\n\r\nc\r\nd');
  });
});
