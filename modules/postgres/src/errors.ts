import { SkiffCoreError } from '@skiff/core';

/**
 * An init script failed while the container initialised its database. The message names the
 * script (and the file it came from), the line psql reported with its text, and the SQL error;
 * `cause` is core's start error, which carries the container's last log lines.
 */
export class PostgresInitScriptError extends SkiffCoreError {
  constructor(
    message: string,
    /** The script's name as given (file path or SQL name). */
    readonly script: string,
    /** 1-based line in the script, when psql reported one. */
    readonly line: number | undefined,
    /** The server's error, e.g. `ERROR:  relation "nope" does not exist`. */
    readonly sqlError: string,
    options?: { cause?: unknown },
  ) {
    super('SKIFF_POSTGRES_INIT_SCRIPT_FAILED', message, options);
  }
}

/**
 * A database could not be cloned because its source (the database being snapshotted, or the
 * template of a fresh database) has other sessions: PostgreSQL copies only an idle database.
 */
export class PostgresTemplateInUseError extends SkiffCoreError {
  constructor(
    readonly database: string,
    readonly sessions: number,
    options?: { cause?: unknown },
  ) {
    super(
      'SKIFF_POSTGRES_TEMPLATE_IN_USE',
      `database "${database}" has ${sessions} other open connection(s), and PostgreSQL copies only an idle ` +
        'database (CREATE DATABASE … TEMPLATE). Close them first (await pool.end() / client.end()), or take a ' +
        'snapshot() once and clone that: createDatabase({ template: snapshotName })',
      options,
    );
  }
}

/** A snapshot to restore or clone does not exist. */
export class PostgresSnapshotNotFoundError extends SkiffCoreError {
  constructor(readonly snapshot: string) {
    super(
      'SKIFF_POSTGRES_SNAPSHOT_NOT_FOUND',
      `there is no snapshot "${snapshot}" in this container; take it first with snapshot(${JSON.stringify(snapshot)})`,
    );
  }
}

/** `psql` ran in the container and exited non-zero; `stderr` holds its error. */
export class PsqlError extends SkiffCoreError {
  constructor(
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      'SKIFF_PSQL_FAILED',
      `psql exited with code ${exitCode}: ${stderr.trim() || stdout.trim() || '(no output)'}`,
    );
  }
}
