import type { RuntimeOptions } from './runtime-options.js';
import type { SkiffRuntime } from './skiff-runtime.js';

/**
 * The runtime used by containers and networks that were given none. It is an ordinary object, not
 * a hidden global: it is created on first use from `configure()`d options (or the environment),
 * can be replaced with `use()`, and `reset()` closes it so the next use starts fresh.
 */
export class DefaultRuntime {
  private current: Promise<SkiffRuntime> | undefined;
  private options: RuntimeOptions = {};

  /** Options for the runtime created on first use; closes any current one. */
  async configure(options: RuntimeOptions): Promise<void> {
    await this.reset();
    this.options = options;
  }

  /** Makes `runtime` the default (the caller keeps ownership: `reset()` closes it). */
  use(runtime: SkiffRuntime): void {
    this.current = Promise.resolve(runtime);
  }

  get(): Promise<SkiffRuntime> {
    if (!this.current) {
      const created = import('./create-runtime.js').then(({ createRuntime }) => createRuntime(this.options));
      this.current = created;
      // A failed creation is not cached: the next call tries again.
      created.catch(() => {
        if (this.current === created) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Closes the current default runtime (ending its session) and forgets it. */
  async reset(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await (await current.catch(() => undefined))?.close();
  }
}

/** The process's default runtime holder. Replace or reset it; pass a runtime explicitly to avoid it. */
export const defaultRuntime = new DefaultRuntime();

/** Resolves an explicitly given runtime, or the default one. */
export function resolveRuntime(runtime: SkiffRuntime | undefined): Promise<SkiffRuntime> {
  return runtime ? Promise.resolve(runtime) : defaultRuntime.get();
}
