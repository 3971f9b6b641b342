import { describe, expect, it } from 'vitest';
import { TerminalProgress } from './progress-display.js';

describe('TerminalProgress', () => {
  it('gives each layer its own line and rewrites it in place as its status changes', () => {
    let written = '';
    const t = new TerminalProgress(
      (s) => {
        written += s;
      },
      () => 80,
    );
    t.show({ status: 'Pulling from library/busybox', id: '1.35' });
    t.show({ status: 'Pulling fs layer', id: 'aaa' });
    t.show({ status: 'Pulling fs layer', id: 'bbb' });
    t.show({ status: 'Downloading', id: 'aaa', progress: '[==>   ] 1MB/2MB' });
    t.show({ status: 'Digest: sha256:abc' });
    t.show({ status: 'Pull complete', id: 'bbb' });
    expect(written).toBe(
      '1.35: Pulling from library/busybox\n' +
        'aaa: Pulling fs layer\n' +
        'bbb: Pulling fs layer\n' +
        // aaa is two lines above the cursor: up 2, clear, rewrite, back down 2.
        '\u001b[2A\r\u001b[2Kaaa: Downloading [==>   ] 1MB/2MB\r\u001b[2B' +
        'Digest: sha256:abc\n' +
        '\u001b[2A\r\u001b[2Kbbb: Pull complete\r\u001b[2B',
    );
  });

  it('cuts lines to the terminal width so wrapping cannot break the cursor arithmetic', () => {
    let written = '';
    const t = new TerminalProgress(
      (s) => {
        written += s;
      },
      () => 21,
    );
    t.show({ status: 'Downloading something long', id: 'layer1' });
    expect(written).toBe('layer1: Downloading \n');
  });
});
