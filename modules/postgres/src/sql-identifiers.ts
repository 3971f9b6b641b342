import { InvalidArgumentError } from '@skiff/core';

/** `"name"` with embedded quotes doubled: a safe SQL identifier for any database name. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new InvalidArgumentError('a database or role name cannot be empty');
  if (name.includes('\0')) throw new InvalidArgumentError(`name ${JSON.stringify(name)} contains a NUL byte`);
  // PostgreSQL truncates identifiers to NAMEDATALEN-1 (63) bytes: two long names would collide.
  if (Buffer.byteLength(name) > 63)
    throw new InvalidArgumentError(
      `name ${JSON.stringify(name)} is longer than PostgreSQL's 63-byte identifier limit`,
    );
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'` with embedded quotes doubled (standard_conforming_strings is on since 9.1). */
export function quoteLiteral(text: string): string {
  if (text.includes('\0'))
    throw new InvalidArgumentError(`value ${JSON.stringify(text)} contains a NUL byte`);
  return `'${text.replace(/'/g, "''")}'`;
}
