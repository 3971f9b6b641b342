import { buildImage, inspectImage } from '../engine/images-api.js';
import { BuildError, errorMessage } from '../errors.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { packBuildContext } from './build-context.js';

export interface BuildRequest {
  context: string;
  dockerfile: string;
  image: string;
  buildArgs: Record<string, string>;
  pull: boolean;
  noCache: boolean;
  target: string | undefined;
  platform: string | undefined;
  labels: Record<string, string>;
  /** Receives the builder's output lines (bounded). */
  output: string[];
}

const OUTPUT_LINES = 40;

/**
 * `POST /build` with a client-side filtered context. A build reports failure in-band, and some
 * engines end the stream without one, so success is proven only by the tag existing afterwards.
 */
export async function buildImageFromContext(runtime: SkiffRuntime, request: BuildRequest): Promise<void> {
  const context = await packBuildContext(request.context, request.dockerfile);
  request.output.length = 0;
  const remember = (text: string) => {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      request.output.push(line);
      if (request.output.length > OUTPUT_LINES) request.output.shift();
    }
  };
  let error: string | undefined;
  try {
    ({ error } = await buildImage(
      runtime.client,
      context,
      {
        t: request.image,
        dockerfile: request.dockerfile,
        buildargs: request.buildArgs,
        nocache: request.noCache,
        pull: request.pull || undefined,
        target: request.target,
        platform: request.platform,
        labels: request.labels,
        rm: true,
        forcerm: true,
        version: '1',
      },
      (line) => remember(line.stream ?? line.status ?? line.error ?? ''),
    ));
  } catch (err) {
    throw new BuildError(
      `building ${request.image} from ${request.context} failed: ${errorMessage(err)}`,
      request.output,
      {
        cause: err,
      },
    );
  }
  if (error)
    throw new BuildError(
      `building ${request.image} from ${request.context} failed: ${error}`,
      request.output,
    );
  if (!(await inspectImage(runtime.client, request.image))) {
    throw new BuildError(
      `building ${request.image} from ${request.context} ended without an error, but the engine has no image by that name`,
      request.output,
    );
  }
}
