/**
 * @skiff/core — the testcontainers-style test library. This entry loads only the builders and
 * small classes; the engine client (undici), tar handling and the start code load on first use.
 */
export { AbstractStartedContainer } from './container/abstract-started-container.js';
export { BoundPorts, type PortBinding } from './container/bound-ports.js';
export type {
  ArchiveToCopy,
  BindMount,
  ContentToCopy,
  CopyToContainerOptions,
  DirectoryToCopy,
  ExtraHost,
  FileToCopy,
  HealthCheck,
  LogConsumer,
  ResourcesQuota,
  Ulimits,
} from './container/container-request.js';
export { GenericContainer, type NetworkRef } from './container/generic-container.js';
export type { PortProtocol, PortSpec } from './container/port.js';
export { startAll } from './container/start-all.js';
export type { CommitOptions, StartedGenericContainer, StopOptions } from './container/started-container.js';
export type { StoppedGenericContainer } from './container/stopped-container.js';
export type { ExecOptions, ExecResult } from './engine/containers-api.js';
export type { EngineEndpoint } from './engine/endpoint.js';
export {
  type EngineExplanation,
  type EngineKind,
  type EngineSource,
  formatExplanation,
} from './engine/engine-explanation.js';
export * from './errors.js';
export { exposeHostPorts, TestContainers } from './host/expose-host-ports.js';
export type { BuildOptions, GenericContainerBuilder } from './images/generic-container-builder.js';
export type { ImageSubstitutionOptions, ImageSubstitutor } from './images/image-substitutor.js';
export { type ImagePullPolicy, PullPolicy } from './images/pull-policy.js';
export type { ResolvedImage, ResolveImageOptions } from './images/resolve-image.js';
export type { Logger } from './logger.js';
export { Network, type NetworkOptions } from './network/network.js';
export type { StartedNetwork } from './network/started-network.js';
export { DefaultRuntime, defaultRuntime } from './runtime/default-runtime.js';
export type { RuntimeOptions } from './runtime/runtime-options.js';
export type { SkiffRuntime } from './runtime/skiff-runtime.js';
export type { Session } from './session/session.js';
export { type LockOptions, withFileLock } from './util/file-lock.js';
export type { HttpResponseInfo, HttpWaitStrategy } from './wait/http-wait-strategy.js';
export { Wait } from './wait/wait.js';
export type { WaitContext } from './wait/wait-context.js';
export { AbstractWaitStrategy, type WaitStrategy } from './wait/wait-strategy.js';

import type { DiscoveryOptions } from './engine/discover-engine.js';
import type { EngineExplanation } from './engine/engine-explanation.js';
import type { ResolvedImage, ResolveImageOptions } from './images/resolve-image.js';
import type { RuntimeOptions } from './runtime/runtime-options.js';
import type { SkiffRuntime } from './runtime/skiff-runtime.js';

/** Creates a runtime of your own (pass it with `withRuntime()`; close it when done). */
export async function createRuntime(options: RuntimeOptions = {}): Promise<SkiffRuntime> {
  return (await import('./runtime/create-runtime.js')).createRuntime(options);
}

/**
 * Which engine would be used and why, without starting anything (for `skiff doctor`). Connects to
 * the engine it finds to report versions; an engine that would be started on demand is not started.
 */
export async function explainEngine(options: DiscoveryOptions = {}): Promise<EngineExplanation> {
  return (await import('./runtime/explain-engine.js')).explainEngine(options);
}

/**
 * An image as the engine has it (substituted name, id, labels), pulled first unless `pull: false`;
 * for modules that key caches by image id.
 */
export async function resolveImage(
  image: string,
  options: ResolveImageOptions = {},
): Promise<ResolvedImage | undefined> {
  return (await import('./images/resolve-image.js')).resolveImage(image, options);
}
