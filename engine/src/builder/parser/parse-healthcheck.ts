import { errorMessage } from '../../errors.js';
import type { HealthConfig } from '../../images/image-config.js';
import type { HealthcheckInstruction } from '../instruction.js';
import { parseGoDuration } from './go-duration.js';
import { commandLineOf, flagsOf, type InstructionInput } from './instruction-input.js';
import { didYouMean } from './suggest.js';
import { splitFirstWord } from './words.js';

const HEALTH_FLAGS = {
  interval: 'string',
  timeout: 'string',
  'start-period': 'string',
  'start-interval': 'string',
  retries: 'string',
} as const;

/** Docker's container.MinimumDuration: shorter non-zero durations are refused. */
const MINIMUM_DURATION_NS = 1_000_000;

const DURATION_FIELDS = [
  ['interval', 'Interval'],
  ['timeout', 'Timeout'],
  ['start-period', 'StartPeriod'],
  ['start-interval', 'StartInterval'],
] as const;

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--start-interval=…] [--retries=N] CMD …`. */
export function parseHealthcheck(input: InstructionInput): HealthcheckInstruction {
  if (input.rest === '') {
    input.fail(
      input.keywordOffset,
      'HEALTHCHECK requires an argument: HEALTHCHECK [options] CMD <command>, or HEALTHCHECK NONE',
    );
  }
  const { first, rest, restOffset } = splitFirstWord(input.rest, input.restOffset);
  const type = first.value.toUpperCase();
  const base = { kind: 'HEALTHCHECK' as const, location: input.location, original: input.original };
  if (type === 'NONE') {
    if (input.flagTokens.length > 0)
      input.fail(input.flagTokens[0]?.offset ?? 0, 'HEALTHCHECK NONE takes no options');
    if (rest !== '') input.fail(restOffset, 'HEALTHCHECK NONE takes no arguments');
    return { ...base, health: { Test: ['NONE'] } };
  }
  const flags = flagsOf(input, HEALTH_FLAGS);
  if (type !== 'CMD') {
    input.fail(
      first.offset,
      `unknown type ${JSON.stringify(first.value)} in HEALTHCHECK${didYouMean(first.value, ['CMD', 'NONE']) || ' (try CMD)'}`,
    );
  }
  const command = commandLineOf({ ...input, rest, restOffset });
  if (
    (command.form === 'shell' && command.command === '') ||
    (command.form === 'exec' && command.args.length === 0)
  ) {
    input.fail(first.offset, 'missing command after HEALTHCHECK CMD');
  }
  const health: HealthConfig = {
    Test: command.form === 'exec' ? ['CMD', ...command.args] : ['CMD-SHELL', command.command],
  };
  for (const [flag, field] of DURATION_FIELDS) {
    const value = flags.string(flag);
    if (value === undefined || value === '') continue;
    const offset = flags.offset(flag) as number;
    let ns: number;
    try {
      ns = parseGoDuration(value);
    } catch (err: unknown) {
      input.fail(offset, `HEALTHCHECK --${flag}: ${errorMessage(err)}`);
    }
    if (ns === 0) continue;
    if (ns < MINIMUM_DURATION_NS)
      input.fail(offset, `HEALTHCHECK --${flag}=${value} cannot be less than 1ms`);
    health[field] = ns;
  }
  const retries = flags.string('retries');
  if (retries !== undefined && retries !== '') {
    const offset = flags.offset('retries') as number;
    if (!/^[+-]?\d+$/.test(retries) || Math.abs(Number(retries)) > 2 ** 31 - 1) {
      input.fail(offset, `HEALTHCHECK --retries=${retries}: expected a whole number`);
    }
    const n = Number(retries);
    if (n < 0) input.fail(offset, `HEALTHCHECK --retries cannot be negative (${n})`);
    if (n > 0) health.Retries = n;
  }
  return { ...base, health };
}
