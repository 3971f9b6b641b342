import { describe, expect, it } from 'vitest';
import type { RunInstruction } from './instruction.js';
import { parseDockerfile } from './parser/parse-dockerfile.js';
import { runCommand } from './run-command.js';

function run(text: string): RunInstruction {
  return parseDockerfile(`FROM scratch\n${text}\n`).stages[0]?.instructions[0] as RunInstruction;
}

describe('runCommand', () => {
  it('passes exec form through and runs shell form as a script', () => {
    expect(runCommand(run('RUN ["make", "all"]'))).toEqual({ kind: 'exec', args: ['make', 'all'] });
    expect(runCommand(run('RUN make all'))).toEqual({ kind: 'shell', script: 'make all' });
  });

  it('runs a lone heredoc body as the script, or as a file when it has a shebang', () => {
    expect(runCommand(run('RUN <<EOF\nset -e\necho hi\nEOF'))).toEqual({
      kind: 'shell',
      script: 'set -e\necho hi\n',
    });
    expect(runCommand(run('RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF'))).toEqual({
      kind: 'file',
      content: '#!/usr/bin/env python3\nprint(1)\n',
    });
  });

  it('hands other heredoc uses to the shell with their bodies', () => {
    expect(runCommand(run('RUN python3 <<EOF > /out\nprint(1)\nEOF'))).toEqual({
      kind: 'shell',
      script: 'python3 <<EOF > /out\nprint(1)\nEOF',
    });
    expect(runCommand(run('RUN <<A cat > /a && <<-B cat > /b\na\nA\n\tb\n\tB'))).toEqual({
      kind: 'shell',
      script: '<<A cat > /a && <<-B cat > /b\na\nA\nb\nB',
    });
  });
});
