import type { WireContainerInspect } from '../engine/wire-types.js';
import type { StartedGenericContainer } from './started-container.js';

/**
 * testcontainers' protected lifecycle methods, as callbacks `start()` calls in order. Subclasses
 * (modules) override the methods on `GenericContainer`; this is how the start code reaches them.
 */
export interface LifecycleHooks {
  beforeContainerCreated?(): Promise<void>;
  containerCreated?(containerId: string): Promise<void>;
  /** Called after create and copies, before start; costs an inspect, so only when overridden. */
  containerStarting?(inspect: WireContainerInspect, reused: boolean): Promise<void>;
  containerStarted?(
    container: StartedGenericContainer,
    inspect: WireContainerInspect,
    reused: boolean,
  ): Promise<void>;
  containerStopping?(): Promise<void>;
  containerStopped?(): Promise<void>;
}
