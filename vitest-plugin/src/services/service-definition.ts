import type { Logger, SkiffRuntime } from '@skiff/core';

/**
 * Marks a service declaration. A registered symbol, not a class: the declarations a config file
 * makes may come from another copy of this module (vitest bundles its config, jest's preset loads
 * it through a TypeScript loader), so identity checks would fail where this one does not.
 */
export const SERVICE_BRAND: unique symbol = Symbol.for('dev.skiff.service');

/**
 * What tests receive about a started service. Plain data only: it crosses from the process that
 * started the service to the test workers as structured-clone (vitest's `provide`) or JSON (jest).
 */
export interface ServiceInfoBase {
  /** The declaration's kind: `postgres`, `redis`, `container`, `network`. */
  kind: string;
}

/** The infos of a service's dependencies by name; their fields are read as `unknown` (e.g. `String(deps.db?.uri)`). */
export type DependencyInfos = Readonly<Record<string, ServiceInfoBase & Readonly<Record<string, unknown>>>>;

/** Runs in the process that owns the service, on behalf of a test worker (see `ServiceBroker`). */
export type ServiceAction = (args: Record<string, unknown>) => Promise<unknown>;

/** A started service, as its owner holds it. */
export interface RunningService<Info extends ServiceInfoBase = ServiceInfoBase> {
  readonly info: Info;
  /** Operations test workers may ask for by name (a fresh database, a flush, an exec). */
  readonly actions: Readonly<Record<string, ServiceAction>>;
  /** Stops and removes the service. Idempotent. */
  stop(): Promise<void>;
}

/** What a declaration's `start()` is given. */
export interface ServiceStartContext {
  /** The service's name in the declaration map (its DNS alias on a declared network, too). */
  readonly name: string;
  readonly runtime: SkiffRuntime;
  readonly logger: Logger;
  /** The test project's root: relative paths in declarations (a Dockerfile context) resolve against it. */
  readonly root: string;
  /** The infos of the services this one depends on (its network and `dependsOn`), by name. */
  readonly dependencies: DependencyInfos;
}

/**
 * A declared service: what to start and how, made by `postgres()`, `redis()`, `container()` or
 * `network()`. Declarations are inert until started; one declaration may be started many times
 * (every run of a watch loop that restarts its services).
 */
export interface ServiceDefinition<Info extends ServiceInfoBase = ServiceInfoBase> {
  readonly [SERVICE_BRAND]: true;
  readonly kind: string;
  /** What the service runs, for messages (`postgres:15`, `a Dockerfile in ./app`). */
  readonly describe: string;
  /** Names of services that must be started first: its network and its `dependsOn`. */
  readonly dependsOn: readonly string[];
  /** A network service name this service joins, checked to name a `network()` declaration. */
  readonly network: string | undefined;
  /** Host ports the service binds at fixed numbers; checked to be free before anything starts. */
  readonly fixedHostPorts: readonly number[];
  start(context: ServiceStartContext): Promise<RunningService<Info>>;
  /** Type-level only: the info this declaration produces. */
  readonly __info?: Info;
}

/** A map of service name → declaration, as given to `skiff({ services })` or a jest config. */
export type ServiceDefinitions = Readonly<Record<string, ServiceDefinition>>;

/** The info type a declaration produces. */
export type ServiceInfoOf<D> = D extends ServiceDefinition<infer Info> ? Info : never;

/**
 * The connection details of every declared service, by name: the shape tests receive. Augment
 * vitest's `ProvidedContext` (or `@skiff/jest`'s `SkiffServices`) with it:
 *
 * ```ts
 * declare module 'vitest' {
 *   interface ProvidedContext extends ProvidedServices<typeof services> {}
 * }
 * ```
 */
export type ProvidedServices<S extends ServiceDefinitions> = { [K in keyof S]: ServiceInfoOf<S[K]> };

export function isServiceDefinition(value: unknown): value is ServiceDefinition {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SERVICE_BRAND] === true
  );
}
