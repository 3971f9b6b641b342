import path from 'node:path';
import { DockerfileSyntaxError } from '../builder/dockerfile-syntax-error.js';
import { resolveInstruction } from '../builder/expand/resolve-instruction.js';
import { ShellLexer, type VariableLookup } from '../builder/expand/shell-lexer.js';
import { parseInstructions } from '../builder/parser/parse-dockerfile.js';
import { errorMessage, InvalidArgumentError } from '../errors.js';
import type { HealthConfig, ImageRunConfig } from './image-config.js';

/** Exec form (a JSON array) or shell form (run as `Shell + [command]`). */
export type ChangeCommand = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

/**
 * One metadata instruction, after variable substitution. The shapes match the builder's resolved
 * instructions (`builder/instruction.ts`), so the builder applies its CMD, ENV, LABEL, … steps
 * through `applyConfigChange` directly.
 */
export type ConfigChange =
  | { kind: 'CMD'; command: ChangeCommand }
  | { kind: 'ENTRYPOINT'; command: ChangeCommand }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'ENV'; pairs: { key: string; value: string }[] }
  | { kind: 'LABEL'; pairs: { key: string; value: string }[] }
  /** Normalised `port/proto` keys. */
  | { kind: 'EXPOSE'; ports: string[] }
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'USER'; user: string }
  | { kind: 'VOLUME'; paths: string[] }
  | { kind: 'STOPSIGNAL'; signal: string }
  | { kind: 'HEALTHCHECK'; health: HealthConfig }
  | { kind: 'ONBUILD'; expression: string };

export type ChangeKind = ConfigChange['kind'];

/** What `docker import/commit --change` accepts (moby's `validCommitCommands`). */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'ONBUILD',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/** State that lives across the changes of one commit or one build stage. */
export interface ChangeState {
  /** A CMD was set by an earlier change; ENTRYPOINT then keeps it instead of clearing it. */
  cmdSet: boolean;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];

/**
 * Parses one `--change` line (`CMD ["nginx"]`, `ENV PATH=$PATH:/opt/bin`, `HEALTHCHECK NONE`) with
 * the Dockerfile parser, substituting variables from `lookup` where Docker does (ENV, LABEL,
 * EXPOSE, USER, VOLUME, WORKDIR, STOPSIGNAL). Throws InvalidArgumentError naming the change.
 */
export function parseChange(line: string, lookup: VariableLookup = () => undefined): ConfigChange {
  const fail = (detail: string): never => {
    throw new InvalidArgumentError(`invalid change ${JSON.stringify(line)}: ${detail}`);
  };
  let parsed: ReturnType<typeof parseInstructions>;
  try {
    parsed = parseInstructions(line, { file: '--change' });
  } catch (err: unknown) {
    return fail(err instanceof DockerfileSyntaxError ? err.detail : errorMessage(err));
  }
  if (parsed.length !== 1) {
    return fail(parsed.length === 0 ? 'it is empty' : 'give one instruction per change');
  }
  const instruction = parsed[0] as (typeof parsed)[number];
  if (!(CHANGE_KINDS as readonly string[]).includes(instruction.kind)) {
    return fail(
      `${instruction.kind} is not a valid change command; expected one of ${CHANGE_KINDS.join(', ')}`,
    );
  }
  let resolved: ReturnType<typeof resolveInstruction>;
  try {
    resolved = resolveInstruction(instruction, { lexer: new ShellLexer(), lookup, argLookup: lookup });
  } catch (err: unknown) {
    return fail(err instanceof DockerfileSyntaxError ? err.detail : errorMessage(err));
  }
  switch (resolved.kind) {
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: resolved.kind, command: resolved.command };
    case 'SHELL':
      return { kind: 'SHELL', shell: resolved.shell };
    case 'ENV':
    case 'LABEL':
      return { kind: resolved.kind, pairs: resolved.pairs };
    case 'EXPOSE':
      return { kind: 'EXPOSE', ports: resolved.ports };
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: resolved.path };
    case 'USER':
      return { kind: 'USER', user: resolved.user };
    case 'VOLUME':
      return { kind: 'VOLUME', paths: resolved.paths };
    case 'STOPSIGNAL':
      return { kind: 'STOPSIGNAL', signal: resolved.signal };
    case 'HEALTHCHECK':
      return { kind: 'HEALTHCHECK', health: resolved.health };
    case 'ONBUILD':
      return { kind: 'ONBUILD', expression: resolved.expression };
    default:
      return fail(`${resolved.kind} is not a valid change command`);
  }
}

/**
 * Applies one change to a run config, returning a new config (the input is not modified).
 * Semantics follow Docker's builder: shell forms run through `Shell` (default `/bin/sh -c`),
 * ENTRYPOINT clears an inherited CMD unless a CMD was set earlier, WORKDIR is relative to the
 * previous one, ENV replaces a variable in place, HEALTHCHECK replaces the whole check.
 */
export function applyConfigChange(
  config: ImageRunConfig,
  change: ConfigChange,
  state: ChangeState = { cmdSet: false },
): ImageRunConfig {
  const next: ImageRunConfig = { ...config };
  const commandOf = (c: ChangeCommand) =>
    c.form === 'exec' ? [...c.args] : [...(config.Shell ?? DEFAULT_SHELL), c.command];
  switch (change.kind) {
    case 'CMD':
      next.Cmd = commandOf(change.command);
      state.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      next.Entrypoint = commandOf(change.command);
      if (!state.cmdSet) next.Cmd = null;
      break;
    case 'SHELL':
      next.Shell = [...change.shell];
      break;
    case 'ENV': {
      const env = [...(config.Env ?? [])];
      for (const { key, value } of change.pairs) {
        const at = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
        if (at >= 0) env[at] = `${key}=${value}`;
        else env.push(`${key}=${value}`);
      }
      next.Env = env;
      break;
    }
    case 'LABEL':
      next.Labels = { ...(config.Labels ?? {}) };
      for (const { key, value } of change.pairs) next.Labels[key] = value;
      break;
    case 'EXPOSE':
      next.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const port of change.ports) next.ExposedPorts[port] = {};
      break;
    case 'WORKDIR':
      next.WorkingDir = path.posix.resolve(config.WorkingDir || '/', change.path);
      break;
    case 'USER':
      next.User = change.user;
      break;
    case 'VOLUME':
      if (change.paths.length === 0) throw new InvalidArgumentError('VOLUME needs at least one path');
      next.Volumes = { ...(config.Volumes ?? {}) };
      for (const p of change.paths) next.Volumes[p] = {};
      break;
    case 'STOPSIGNAL':
      next.StopSignal = change.signal;
      break;
    case 'HEALTHCHECK':
      next.Healthcheck = {
        ...change.health,
        ...(change.health.Test ? { Test: [...change.health.Test] } : {}),
      };
      break;
    case 'ONBUILD':
      next.OnBuild = [...(config.OnBuild ?? []), change.expression];
      break;
  }
  return next;
}

/**
 * `docker import/commit --change` lines applied in order to `config`. Variables in each change
 * see the environment as the previous changes left it.
 */
export function applyConfigChanges(config: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const state: ChangeState = { cmdSet: false };
  let current = config;
  for (const line of changes) {
    const env = new Map((current.Env ?? []).map((e) => splitEnv(e)));
    current = applyConfigChange(
      current,
      parseChange(line, (name) => env.get(name)),
      state,
    );
  }
  return current;
}

function splitEnv(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
}
