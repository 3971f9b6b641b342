import type { RunInstruction } from './instruction.js';
import { parseHeredocMarker } from './parser/heredoc-marker.js';

/** How the executor runs a RUN step. */
export type RunCommand =
  /** Run `args` directly. */
  | { kind: 'exec'; args: string[] }
  /** Run `[...SHELL, script]` (default SHELL `["/bin/sh", "-c"]`). */
  | { kind: 'shell'; script: string }
  /** A `RUN <<EOF` whose body starts with `#!`: write it to a file, make it executable and run it. */
  | { kind: 'file'; content: string };

/**
 * BuildKit's rules for turning a RUN into a command: exec form as is; `RUN <<EOF` alone runs the
 * heredoc body as the shell script (or as a file when it has a shebang); any other heredoc use
 * (`RUN python3 <<EOF`, several heredocs) hands the line with its bodies to the shell to interpret.
 */
export function runCommand(run: RunInstruction): RunCommand {
  if (run.command.form === 'exec') return { kind: 'exec', args: run.command.args };
  const line = run.command.command;
  const [only] = run.heredocs;
  if (run.heredocs.length === 1 && only !== undefined && parseHeredocMarker(line) !== undefined) {
    return only.content.startsWith('#!')
      ? { kind: 'file', content: only.content }
      : { kind: 'shell', script: only.content };
  }
  let script = line;
  for (const heredoc of run.heredocs) script += `\n${heredoc.content}${heredoc.name}`;
  return { kind: 'shell', script };
}
