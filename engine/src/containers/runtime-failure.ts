/**
 * crun and runc report a process they could not exec with exit status 1 and a message on the
 * container's stderr (crun exec: status 255), while Docker (and testcontainers' exec-based wait strategies, which treat
 * 126/127 as "no such shell") expect the shell's conventions. These patterns map the runtime's
 * messages to those codes.
 */
const NOT_FOUND = [
  /executable file `[^`]*` not found/,
  /executable file not found in \$PATH/,
  /exec: "[^"]*": (executable file not found|stat [^:]*: no such file or directory)/,
  /open executable: No such file or directory/,
  /exec `[^`]*`: No such file or directory/,
];

const NOT_EXECUTABLE = [
  /open executable: (Permission denied|Operation not permitted)/,
  /exec `[^`]*`: (Permission denied|Exec format error)/,
  /exec: "[^"]*": permission denied/,
  /exec format error/,
];

export interface ExecFailure {
  exitCode: 126 | 127;
  message: string;
}

/** Recognises the runtime's "could not exec" messages in the first output of a process that exited with 1. */
export function classifyExecFailure(exitCode: number, stderrHead: string): ExecFailure | undefined {
  if (![1, 126, 127, 255].includes(exitCode)) return undefined;
  const text = stderrHead.slice(0, 4096);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  if (NOT_FOUND.some((re) => re.test(text))) return { exitCode: 127, message: line.trim() };
  if (NOT_EXECUTABLE.some((re) => re.test(text))) return { exitCode: 126, message: line.trim() };
  return undefined;
}
