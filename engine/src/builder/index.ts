/**
 * The Dockerfile front end: parsing into typed instructions, the stage graph for a build, variable
 * substitution as a per-stage state machine, and `.dockerignore` handling for build contexts.
 */
export {
  type ContextFilter,
  contextFilterFromPatterns,
  createContextFilter,
} from './context/context-filter.js';
export { parseIgnoreFile } from './context/ignore-file.js';
export { PatternMatcher } from './context/pattern-matcher.js';
export { type ContextEntry, walkContext } from './context/walk-context.js';
export type { Dockerfile, Stage } from './dockerfile.js';
export {
  DockerfileSyntaxError,
  type DockerfileWarning,
  type SourcePosition,
} from './dockerfile-syntax-error.js';
export { normalizeExposedPorts } from './expand/port-specs.js';
export { ShellLexer, type VariableLookup, WordExpansionError } from './expand/shell-lexer.js';
export { PROXY_ARGS, StageVariables, type StageVariablesOptions } from './expand/stage-variables.js';
export type * from './instruction.js';
export type { CheckDirective, ParserDirectives } from './parser/directives.js';
export { parseGoDuration } from './parser/go-duration.js';
export { type ParseOptions, parseDockerfile, parseInstructions } from './parser/parse-dockerfile.js';
export { heredocsOf } from './parser/parse-instruction.js';
export {
  BuildPlan,
  type BuildPlanOptions,
  type CopyFromRef,
  type PlannedStage,
  planBuild,
  type StageBase,
} from './plan/build-plan.js';
export { formatPlatform, parsePlatform, platformArgs, samePlatform } from './plan/platform.js';
export { type RunCommand, runCommand } from './run-command.js';
