import { InvalidArgumentError } from '../errors.js';
import { ComposeFileNotFoundError } from './compose-errors.js';
import { loadComposeProject } from './compose-loader.js';
import { isValidProjectName } from './project-name.js';

export interface ProjectTarget {
  /** `-p`. */
  projectName?: string;
  /** `-f`, in order. */
  files: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The environment a `down`/`logs` means: `-p NAME`, else `COMPOSE_PROJECT_NAME`, else the name of
 * the project the compose file (`-f`, or the one in the directory) describes. `undefined` when
 * there is neither a name nor a compose file, so the caller can look among running environments.
 */
export function locateProject(target: ProjectTarget): string | undefined {
  const explicit = target.projectName ?? target.env.COMPOSE_PROJECT_NAME;
  if (explicit !== undefined) {
    if (!isValidProjectName(explicit)) {
      throw new InvalidArgumentError(
        `invalid project name ${JSON.stringify(explicit)}: use lowercase letters, digits, "_" and "-", starting with a letter or a digit`,
      );
    }
    return explicit;
  }
  try {
    return loadComposeProject({ files: target.files, cwd: target.cwd, env: target.env }).name;
  } catch (err: unknown) {
    if (err instanceof ComposeFileNotFoundError && target.files.length === 0) return undefined;
    throw err;
  }
}
