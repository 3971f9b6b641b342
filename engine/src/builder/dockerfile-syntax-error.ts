import { SkiffError } from '../errors.js';

/** A 1-based line and column inside a Dockerfile (columns count UTF-16 code units). */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * The Dockerfile is malformed or asks for something the builder cannot do. The message is
 * `<file>:<line>:<column>: <detail>`, the form compilers use, so editors can jump to it.
 */
export class DockerfileSyntaxError extends SkiffError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(file: string, position: SourcePosition, detail: string, options?: { cause?: unknown }) {
    super('SKIFF_DOCKERFILE_SYNTAX', `${file}:${position.line}:${position.column}: ${detail}`, options);
    this.file = file;
    this.line = position.line;
    this.column = position.column;
    this.detail = detail;
  }
}

/** Something the builder accepts but the author probably did not mean (Docker prints these as warnings). */
export interface DockerfileWarning {
  file: string;
  line: number;
  column: number;
  message: string;
}
