import { type Digest, digestHex } from '../../content/digest.js';
import type { ProgressMessage } from '../../images/image-service.js';
import { familiarName, parseReference } from '../../images/reference.js';

/** Where a build's progress goes: Docker's JSON messages, one call per message. */
export type BuildSink = (message: ProgressMessage) => void;

/**
 * The classic builder's output (moby `daemon/builder/dockerfile`): `Step N/M : …`, ` ---> <id>`,
 * ` ---> Using cache`, ` ---> Running in <id>`, the RUN's own output, then `aux` with the image
 * ID, `Successfully built` and `Successfully tagged`. In quiet mode only the final ID is written.
 */
export class BuildOutput {
  constructor(
    private readonly sink: BuildSink,
    private readonly quiet = false,
  ) {}

  step(n: number, total: number, text: string): void {
    this.line(`Step ${n}/${total} : ${text}`);
  }

  /** ` ---> text`. */
  arrow(text: string): void {
    this.line(` ---> ${text}`);
  }

  image(id: Digest): void {
    this.arrow(shortId(id));
  }

  line(text: string): void {
    if (!this.quiet) this.sink({ stream: `${text}\n` });
  }

  /** A chunk of a RUN step's output, as it came. */
  output(chunk: string): void {
    if (!this.quiet && chunk.length > 0) this.sink({ stream: chunk });
  }

  /** Pull progress of a base image. */
  progress(message: ProgressMessage): void {
    if (!this.quiet) this.sink(message);
  }

  warning(text: string): void {
    if (!this.quiet) this.sink({ stream: `[WARNING]: ${text}\n` });
  }

  done(id: Digest, tags: readonly string[]): void {
    this.sink({ aux: { ID: id } });
    if (this.quiet) {
      this.sink({ stream: `${id}\n` });
      return;
    }
    this.line(`Successfully built ${shortId(id)}`);
    for (const tag of tags) this.line(`Successfully tagged ${familiarName(parseReference(tag))}`);
  }
}

export function shortId(id: Digest): string {
  return digestHex(id).slice(0, 12);
}
