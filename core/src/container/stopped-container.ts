import type { Readable } from 'node:stream';
import { getArchive } from '../engine/containers-api.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';

/** What is left after `stop()`: the id, and the files when the container was kept. */
export class StoppedGenericContainer {
  constructor(
    private readonly runtime: SkiffRuntime,
    private readonly id: string,
    readonly exists: boolean,
  ) {}

  getId(): string {
    return this.id;
  }

  copyArchiveFromContainer(path: string): Promise<Readable> {
    return getArchive(this.runtime.client, this.id, path);
  }
}
