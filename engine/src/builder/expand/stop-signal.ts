/** Linux signal names Docker accepts (its `signal.SignalMap`), without the SIG prefix. */
const SIGNALS = new Set([
  'ABRT',
  'ALRM',
  'BUS',
  'CHLD',
  'CLD',
  'CONT',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'IO',
  'IOT',
  'KILL',
  'PIPE',
  'POLL',
  'PROF',
  'PWR',
  'QUIT',
  'SEGV',
  'STKFLT',
  'STOP',
  'SYS',
  'TERM',
  'TRAP',
  'TSTP',
  'TTIN',
  'TTOU',
  'UNUSED',
  'URG',
  'USR1',
  'USR2',
  'VTALRM',
  'WINCH',
  'XCPU',
  'XFSZ',
  'RTMIN',
  'RTMAX',
]);
const REALTIME = /^RTM(?:IN\+([1-9]|1[0-5])|AX-([1-9]|1[0-4]))$/;
const MAX_SIGNAL = 64;

/**
 * Checks a STOPSIGNAL value the way Docker's `signal.ParseSignal` does: a number from 1 to 64, or
 * a name with or without `SIG`, in any case (`SIGTERM`, `term`, `SIGRTMIN+3`). Returns an error
 * message, or undefined when valid. The value is stored as written.
 */
export function stopSignalProblem(value: string): string | undefined {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= MAX_SIGNAL
      ? undefined
      : `invalid signal ${value}: signal numbers are 1 to ${MAX_SIGNAL}`;
  }
  const name = value.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.has(name) || REALTIME.test(name)) return undefined;
  return `invalid signal ${JSON.stringify(value)}: expected a name like SIGTERM or SIGQUIT, or a number`;
}
