import { describe, expect, it } from 'vitest';
import { describeInitScriptFailure, findInitScriptFailure } from './init-script-failure.js';
import type { PreparedInitScript } from './init-scripts.js';

const script = (label: string, target: string, text: string): PreparedInitScript => ({
  label,
  target,
  content: Buffer.from(text),
  mode: 0o644,
});

const schema = script(
  '/src/schema.sql',
  '/docker-entrypoint-initdb.d/001-schema.sql',
  'CREATE TABLE t (id int);\n',
);
const seed = script(
  'seed.sql',
  '/docker-entrypoint-initdb.d/002-seed.sql',
  ['-- seed', 'INSERT INTO t', '  SELECT id FROM', '    nope;', 'SELECT 1;'].join('\n'),
);
const gz = script('/src/big.sql.gz', '/docker-entrypoint-initdb.d/003-big.sql.gz', '');

// What the official entrypoint and psql print (interleaved with the init server's own log).
const log = [
  '/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/001-schema.sql',
  'CREATE TABLE',
  '/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/002-seed.sql',
  '2026-11-29 23:24:46.101 UTC [52] ERROR:  relation "nope" does not exist at character 34',
  'psql:/docker-entrypoint-initdb.d/002-seed.sql:4: ERROR:  relation "nope" does not exist',
  'LINE 2:   SELECT id FROM',
  '                         ^',
  'HINT:  Perhaps you meant to reference the table "t".',
];

describe('findInitScriptFailure', () => {
  it("finds psql's report and moves to the statement line the server quotes", () => {
    const failure = findInitScriptFailure(
      [
        ...log.slice(0, 4),
        'psql:/docker-entrypoint-initdb.d/002-seed.sql:4: ERROR:  relation "nope" does not exist',
        'LINE 3:     nope;',
        '            ^',
      ],
      [schema, seed, gz],
    );
    expect(failure).toMatchObject({ index: 2, line: 4, lineText: '    nope;' });
    expect(failure?.script).toBe(seed);
    expect(failure?.sqlError).toEqual([
      'ERROR:  relation "nope" does not exist',
      'LINE 3:     nope;',
      '            ^',
    ]);
  });

  it("moves a multi-line statement's error to the line the server quotes, keeping HINT lines", () => {
    const failure = findInitScriptFailure(log, [schema, seed, gz]);
    expect(failure?.line).toBe(3);
    expect(failure?.lineText).toBe('  SELECT id FROM');
    expect(failure?.sqlError.at(-1)).toBe('HINT:  Perhaps you meant to reference the table "t".');
  });

  it('attributes <stdin> errors (compressed scripts) to the script the entrypoint was running', () => {
    const failure = findInitScriptFailure(
      [
        '/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/003-big.sql.gz',
        'psql:<stdin>:7: ERROR:  syntax error at or near "SELEC"',
      ],
      [schema, seed, gz],
    );
    expect(failure).toMatchObject({ index: 3, line: 7, lineText: undefined });
  });

  it('names a script that failed without a SQL error (a shell script)', () => {
    const sh = script('/src/setup.sh', '/docker-entrypoint-initdb.d/001-setup.sh', 'exit 3\n');
    const failure = findInitScriptFailure(
      ['/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/001-setup.sh'],
      [sh],
    );
    expect(failure).toMatchObject({ index: 1, line: undefined, sqlError: [] });
    expect(describeInitScriptFailure(failure!, 1)).toContain('failed without a SQL error');
  });

  it('finds nothing in the logs of a failure that is not an init script', () => {
    expect(findInitScriptFailure(['initdb: error: invalid locale settings'], [schema])).toBeUndefined();
    expect(findInitScriptFailure(log, [])).toBeUndefined();
  });

  it('writes a message with the script, the line and the SQL error', () => {
    const failure = findInitScriptFailure(log, [schema, seed, gz]);
    expect(describeInitScriptFailure(failure!, 3)).toBe(
      [
        'init script 2 of 3, "seed.sql" (run as /docker-entrypoint-initdb.d/002-seed.sql), failed at line 3',
        '  3 |   SELECT id FROM',
        '  ERROR:  relation "nope" does not exist',
        '  LINE 2:   SELECT id FROM',
        '                           ^',
        '  HINT:  Perhaps you meant to reference the table "t".',
        'Fix the script; the container was removed (SKIFF_KEEP_ON_FAILURE=1 keeps it for inspection).',
      ].join('\n'),
    );
  });
});
