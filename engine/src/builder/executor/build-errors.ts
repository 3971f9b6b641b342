import { SkiffError } from '../../errors.js';
import type { SourceLocation } from '../instruction.js';

/** A RUN step's command exited non-zero. The message is Docker's, plus the last lines it printed. */
export class RunStepFailedError extends SkiffError {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly lastLines: readonly string[],
  ) {
    const tail =
      lastLines.length === 0 ? '' : `\nlast output lines:\n${lastLines.map((l) => `  ${l}`).join('\n')}`;
    super('SKIFF_BUILD_RUN_FAILED', `The command '${command}' returned a non-zero code: ${exitCode}${tail}`);
  }
}

/**
 * A build step could not be carried out (a COPY source is missing or outside the context, an
 * unknown user in --chown, a download failed, …). The message starts with where it happened.
 */
export class BuildStepError extends SkiffError {
  constructor(
    readonly location: SourceLocation,
    instruction: string,
    detail: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(
      options?.code ?? 'SKIFF_BUILD_STEP_FAILED',
      `${location.file}:${location.startLine}: ${instruction} failed: ${detail}`,
      options,
    );
  }
}

/** The client went away or the build was cancelled: everything it started is torn down. */
export class BuildCancelledError extends SkiffError {
  constructor() {
    super('SKIFF_BUILD_CANCELLED', 'the build was cancelled');
  }
}
