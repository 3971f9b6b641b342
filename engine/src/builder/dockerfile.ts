import type { DockerfileWarning } from './dockerfile-syntax-error.js';
import type { ArgInstruction, FromInstruction, Instruction } from './instruction.js';
import type { ParserDirectives } from './parser/directives.js';

/** One `FROM` and the instructions after it, up to the next `FROM`. */
export interface Stage {
  /** Position among the file's stages, from 0 (what `COPY --from=0` names). */
  index: number;
  /** The `AS` name, lowercased. */
  name?: string;
  from: FromInstruction;
  /** The stage's instructions after its FROM, raw (see `StageVariables` to resolve them). */
  instructions: Instruction[];
}

/** A parsed Dockerfile: syntax checked, structure known, nothing expanded or resolved yet. */
export interface Dockerfile {
  file: string;
  directives: ParserDirectives;
  /** `\` or, with `# escape=`, a backquote. */
  escapeChar: '\\' | '`';
  /** The ARGs before the first FROM: usable in FROM lines, and in stages that redeclare them. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
  warnings: DockerfileWarning[];
}
