import { randomUUID } from 'node:crypto';
import { GenericContainer } from '../container/generic-container.js';
import { resolveRuntime } from '../runtime/default-runtime.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { type ImagePullPolicy, PullPolicy } from './pull-policy.js';

export interface BuildOptions {
  /** Label the image with the session so it is removed with it (default true). */
  deleteOnExit?: boolean;
}

/** `GenericContainer.fromDockerfile(context)`: build options, then `build()` → a `GenericContainer`. */
export class GenericContainerBuilder {
  private buildArgs: Record<string, string> = {};
  private pullPolicy: ImagePullPolicy = PullPolicy.defaultPolicy();
  private cache = true;
  private target: string | undefined;
  private platform: string | undefined;
  private runtime: SkiffRuntime | undefined;
  private readonly output: string[] = [];

  constructor(
    private readonly context: string,
    private readonly dockerfile = 'Dockerfile',
  ) {}

  withRuntime(runtime: SkiffRuntime): this {
    this.runtime = runtime;
    return this;
  }

  withBuildArgs(buildArgs: Record<string, string>): this {
    this.buildArgs = { ...this.buildArgs, ...buildArgs };
    return this;
  }

  /** `alwaysPull()` refreshes the `FROM` images (the build's `pull=true`). */
  withPullPolicy(pullPolicy: ImagePullPolicy): this {
    this.pullPolicy = pullPolicy;
    return this;
  }

  /** `false` builds every step afresh (`nocache`). */
  withCache(cache: boolean): this {
    this.cache = cache;
    return this;
  }

  withTarget(target: string): this {
    this.target = target;
    return this;
  }

  withPlatform(platform: string): this {
    this.platform = platform;
    return this;
  }

  /** Accepted for testcontainers compatibility; Skiff sends classic builds (BuildKit sessions are not spoken). */
  withBuildkit(): this {
    return this;
  }

  /** The builder's output of the last build (the error carries the tail when a build fails). */
  buildOutput(): string[] {
    return [...this.output];
  }

  /** Builds the image (default name `localhost/<uuid>:<uuid>`) and returns a container builder for it. */
  async build(
    image = `localhost/${randomUUID()}:${randomUUID()}`,
    options: BuildOptions = {},
  ): Promise<GenericContainer> {
    const runtime = await resolveRuntime(this.runtime);
    const { buildImageFromContext } = await import('./build-image.js');
    await buildImageFromContext(runtime, {
      context: this.context,
      dockerfile: this.dockerfile,
      image,
      buildArgs: this.buildArgs,
      // Asked as if the base images were present: only a policy that always pulls refreshes them.
      pull: this.pullPolicy.shouldPull(true),
      noCache: !this.cache,
      target: this.target,
      platform: this.platform,
      labels: (options.deleteOnExit ?? true) ? { ...runtime.session.labels } : {},
      output: this.output,
    });
    const container = new GenericContainer(image).withRuntime(runtime);
    return this.platform ? container.withPlatform(this.platform) : container;
  }
}
