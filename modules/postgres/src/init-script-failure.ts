import type { PreparedInitScript } from './init-scripts.js';

/** What the container's log says about a failed init script. */
export interface InitScriptFailure {
  script: PreparedInitScript;
  /** 1-based index among the scripts. */
  index: number;
  /** Line in the script (psql's, moved to the erroneous line of a multi-line statement). */
  line: number | undefined;
  /** The line's text, when known. */
  lineText: string | undefined;
  /** `ERROR:  …` and the server's LINE/DETAIL/HINT/CONTEXT lines. */
  sqlError: string[];
}

// `psql:/docker-entrypoint-initdb.d/002-seed.sql:3: ERROR:  relation "nope" does not exist`
const PSQL_ERROR = /^psql:(.+?):(\d+): ((?:ERROR|FATAL|PANIC):.*)$/;
const CONTINUATION = /^(LINE \d+:|DETAIL:|HINT:|CONTEXT:|QUERY:|\s+\^)/;
// `/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/002-seed.sql`
const RUNNING = /: running (\/\S+)\s*$/;

/** Moves psql's line (the statement's last) to the line the server's `LINE n:` context quotes. */
function locate(text: string, psqlLine: number, context: string | undefined): number {
  if (!context) return psqlLine;
  const quoted = context
    .replace(/^LINE \d+:\s?/, '')
    .replace(/^\.\.\./, '')
    .replace(/\.\.\.$/, '')
    .trim();
  if (quoted.length === 0) return psqlLine;
  const lines = text.split('\n');
  for (let n = Math.min(psqlLine, lines.length); n >= 1 && n > psqlLine - 500; n--) {
    if ((lines[n - 1] ?? '').includes(quoted)) return n;
  }
  return psqlLine;
}

/**
 * Finds the failed init script in the container's last log lines: psql's `psql:FILE:LINE: ERROR`
 * report (scripts run with ON_ERROR_STOP), else the last `running FILE` line of the entrypoint.
 */
export function findInitScriptFailure(
  logLines: readonly string[],
  scripts: readonly PreparedInitScript[],
): InitScriptFailure | undefined {
  const byTarget = (target: string) => scripts.findIndex((s) => s.target === target);
  let lastRunning = -1;
  for (let i = 0; i < logLines.length; i++) {
    const line = logLines[i] ?? '';
    const running = RUNNING.exec(line);
    if (running?.[1]) {
      const index = byTarget(running[1]);
      if (index >= 0) lastRunning = index;
      continue;
    }
    const match = PSQL_ERROR.exec(line);
    if (!match?.[1] || !match[2] || !match[3]) continue;
    // Scripts fed on stdin (.sql.gz) report `<stdin>`: the entrypoint said which one was running.
    const index = match[1] === '<stdin>' ? lastRunning : byTarget(match[1]);
    const script = scripts[index];
    if (!script) continue;
    const sqlError = [match[3]];
    for (let j = i + 1; j < logLines.length && CONTINUATION.test(logLines[j] ?? ''); j++) {
      sqlError.push(logLines[j] ?? '');
    }
    const isText = script.target.endsWith('.sql');
    const text = isText ? script.content.toString('utf8') : undefined;
    const psqlLine = Number(match[2]);
    const context = sqlError.find((l) => l.startsWith('LINE '));
    const lineNo = text === undefined ? psqlLine : locate(text, psqlLine, context);
    return {
      script,
      index: index + 1,
      line: lineNo,
      lineText: text?.split('\n')[lineNo - 1],
      sqlError,
    };
  }
  const script = scripts[lastRunning];
  if (!script) return undefined;
  return { script, index: lastRunning + 1, line: undefined, lineText: undefined, sqlError: [] };
}

/** The message of a PostgresInitScriptError. */
export function describeInitScriptFailure(failure: InitScriptFailure, total: number): string {
  const where = failure.line === undefined ? '' : ` at line ${failure.line}`;
  const lines = [
    `init script ${failure.index} of ${total}, ${JSON.stringify(failure.script.label)} ` +
      `(run as ${failure.script.target}), failed${where}`,
  ];
  if (failure.lineText !== undefined) lines.push(`  ${failure.line} | ${failure.lineText}`);
  if (failure.sqlError.length > 0) lines.push(...failure.sqlError.map((l) => `  ${l}`));
  else lines.push('  (the script failed without a SQL error; see the container log lines in `cause`)');
  lines.push('Fix the script; the container was removed (SKIFF_KEEP_ON_FAILURE=1 keeps it for inspection).');
  return lines.join('\n');
}
