import type { FromInstruction, Instruction, Resolved } from '../instruction.js';
import { resolveInstruction } from './resolve-instruction.js';
import { ShellLexer, type VariableLookup } from './shell-lexer.js';

/** Build args Docker predefines: usable without an ARG, left out of history and cache keys unless declared. */
export const PROXY_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

export interface StageVariablesOptions {
  /** The Dockerfile's escape character. */
  escapeChar: string;
  /** The base image's `config.Env` (`KEY=value`); for `FROM scratch`, empty. */
  baseEnv: readonly string[];
  /** `--build-arg` values. */
  buildArgs: ReadonlyMap<string, string>;
  /** The global ARGs (before the first FROM), resolved: what a bare `ARG NAME` in the stage inherits. */
  globalArgs: ReadonlyMap<string, string | undefined>;
}

/** Splits `KEY=value` (a missing `=` means an empty value, as in Docker). */
function splitEnv(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
}

/**
 * The variables of one build stage, as a state machine the executor drives one instruction at a
 * time. Create it when the stage's base image is known (its Env is the starting ENV), then call
 * `step()` for every instruction in order, including ONBUILD triggers inherited from the base.
 *
 * Docker's rules it implements: ENV overrides ARG of the same name whatever the order; an ARG is
 * visible from its declaration on; a bare `ARG NAME` inherits the global ARG's value; a
 * `--build-arg` overrides an ARG's default; the proxy args are usable without declaration when
 * given as build args; every reference in an instruction sees the values from before it.
 */
export class StageVariables {
  private readonly lexer: ShellLexer;
  private readonly env = new Map<string, string>();
  private readonly args = new Map<string, string | undefined>();
  private readonly buildArgs: ReadonlyMap<string, string>;
  private readonly globalArgs: ReadonlyMap<string, string | undefined>;

  constructor(options: StageVariablesOptions) {
    this.lexer = new ShellLexer({ escapeChar: options.escapeChar });
    this.buildArgs = options.buildArgs;
    this.globalArgs = options.globalArgs;
    for (const entry of options.baseEnv) {
      const [key, value] = splitEnv(entry);
      this.env.set(key, value);
    }
  }

  /** A variable's value for substitution: ENV, then declared ARGs, then proxy build args. */
  readonly lookup: VariableLookup = (name) => {
    const fromEnv = this.env.get(name);
    if (fromEnv !== undefined) return fromEnv;
    return this.argValue(name);
  };

  private readonly argLookup: VariableLookup = (name) => this.argValue(name);

  private argValue(name: string): string | undefined {
    if (this.args.has(name)) return this.args.get(name);
    if (PROXY_ARGS.has(name)) return this.buildArgs.get(name);
    return undefined;
  }

  /**
   * Resolves the next instruction against the current variables and, for ENV and ARG, applies it.
   * FROM is resolved with the global ARGs (it belongs to no stage's scope).
   */
  step<T extends Instruction>(instruction: T): Resolved<T> {
    if (instruction.kind === 'FROM') return this.resolveFrom(instruction) as Resolved<T>;
    const resolved = resolveInstruction(instruction, {
      lexer: this.lexer,
      lookup: this.lookup,
      argLookup: this.argLookup,
    });
    if (resolved.kind === 'ENV') {
      for (const { key, value } of resolved.pairs) this.env.set(key, value);
    } else if (resolved.kind === 'ARG') {
      for (const arg of resolved.args)
        this.args.set(arg.name, this.argInitialValue(arg.name, arg.defaultValue));
    }
    return resolved as Resolved<T>;
  }

  private resolveFrom(from: FromInstruction): Instruction {
    const lookup: VariableLookup = (name) => this.globalArgs.get(name);
    return resolveInstruction(from, { lexer: this.lexer, lookup, argLookup: lookup });
  }

  private argInitialValue(name: string, defaultValue: string | undefined): string | undefined {
    const given = this.buildArgs.get(name);
    if (given !== undefined) return given;
    if (defaultValue !== undefined) return defaultValue;
    return this.globalArgs.get(name);
  }

  /** The stage's ENV so far, `KEY=value` in image-config order (the base image's first). */
  get environment(): string[] {
    return [...this.env].map(([k, v]) => `${k}=${v}`);
  }

  /** Names of the ARGs declared in this stage so far, in declaration order. */
  get declaredArgs(): string[] {
    return [...this.args.keys()];
  }

  /**
   * The environment a RUN step sees: the ENV, plus ARGs with a value that no ENV overrides, plus
   * proxy build args (they are not persisted in the image).
   */
  runEnvironment(): string[] {
    const out = this.environment;
    const add = (name: string, value: string | undefined) => {
      if (value !== undefined && !this.env.has(name)) out.push(`${name}=${value}`);
    };
    for (const [name, value] of this.args) add(name, value);
    for (const name of PROXY_ARGS) if (!this.args.has(name)) add(name, this.buildArgs.get(name));
    return out;
  }

  /**
   * The sorted `KEY=value` ARGs that belong in a RUN step's cache key (the classic builder's
   * `|N K=V…` prefix): declared ARGs with a value that no ENV overrides. Undeclared proxy args are
   * left out, so changing a proxy does not bust the cache.
   */
  cacheArgs(): string[] {
    const out: string[] = [];
    for (const [name, value] of this.args) {
      if (value !== undefined && !this.env.has(name)) out.push(`${name}=${value}`);
    }
    return out.sort();
  }
}
