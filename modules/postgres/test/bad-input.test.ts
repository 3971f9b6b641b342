import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ContainerStartError } from '@skiff/core';
import { PostgreSqlContainer, PostgresInitScriptError } from '@skiff/postgres';
import { BUSYBOX, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-postgres-bad-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  // Every failed start leaves nothing behind: no container, no network of this session.
  expect(await engine.engine.engineApi.leftovers(engine.runtime.session.id)).toEqual({
    containers: [],
    networks: [],
  });
});

describe('PostgreSqlContainer with bad input', () => {
  it('names the failed init script, its line and the SQL error', async () => {
    writeFileSync(path.join(dir, '01-schema.sql'), 'CREATE TABLE users (id int PRIMARY KEY);\n');
    writeFileSync(
      path.join(dir, '02-seed.sql'),
      [
        '-- seed data',
        'INSERT INTO users VALUES (1);',
        'INSERT INTO users',
        '  SELECT id FROM',
        '    no_such_table;',
        '',
      ].join('\n'),
    );
    const error = await new PostgreSqlContainer()
      .withWarmStart(false)
      .withInitScript(path.join(dir, '01-schema.sql'), path.join(dir, '02-seed.sql'))
      .withInitSql('SELECT 1;', 'never-runs.sql')
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresInitScriptError);
    const e = error as PostgresInitScriptError;
    expect(e.code).toBe('SKIFF_POSTGRES_INIT_SCRIPT_FAILED');
    expect(e.script).toBe(path.join(dir, '02-seed.sql'));
    expect(e.line).toBe(5);
    expect(e.sqlError).toMatch(/ERROR: +relation "no_such_table" does not exist/);
    expect(e.message).toContain(`init script 2 of 3, ${JSON.stringify(path.join(dir, '02-seed.sql'))}`);
    expect(e.message).toContain('failed at line 5');
    expect(e.message).toContain('5 |     no_such_table;');
    // The container's own last log lines stay reachable through the cause.
    expect(e.cause).toBeInstanceOf(ContainerStartError);
    expect((e.cause as ContainerStartError).details.logTail.join('\n')).toContain('no_such_table');
  });

  it('names an init script given as SQL text', async () => {
    const error = await new PostgreSqlContainer()
      .withInitSql("CREATE TABLE t (id int);\nINSERT INTO t VALUES ('not a number');", 'seed.sql')
      .start()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SKIFF_POSTGRES_INIT_SCRIPT_FAILED', script: 'seed.sql', line: 2 });
    expect(String(error)).toMatch(/invalid input syntax for type integer: "not a number"/);
    expect(String(error)).toContain("2 | INSERT INTO t VALUES ('not a number');");
  });

  it('refuses an init script the entrypoint would silently ignore', async () => {
    writeFileSync(path.join(dir, 'notes.txt'), 'SELECT 1;');
    await expect(
      new PostgreSqlContainer().withInitScript(path.join(dir, 'notes.txt')).start(),
    ).rejects.toThrow(/must end in \.sql, .*\.sh/);
    await expect(
      new PostgreSqlContainer().withInitScript(path.join(dir, 'missing.sql')).start(),
    ).rejects.toThrow(/missing\.sql cannot be read/);
  });

  it('says which host port is taken when a fixed one is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await new PostgreSqlContainer()
        .withExposedPorts({ container: 5432, host: port })
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContainerStartError);
      expect(String(error)).toContain(String(port));
      expect(String(error)).toMatch(/in use|already allocated|address/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('names the readiness check and shows the logs of an image that is not postgres', async () => {
    const exited = await new PostgreSqlContainer('redis:7')
      .withStartupTimeout(20_000)
      .start()
      .catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(ContainerStartError);
    const message = String(exited);
    expect(message).toContain('postgres readiness check: log in as "test" to database "test" on port 5432');
    expect(message).toMatch(/exited with code 127/);
    expect(message).toMatch(/--- last \d+ log lines ---[\s\S]*postgres/);

    // Something else answers on 5432: the check keeps failing until the deadline, and says why.
    const other = await new PostgreSqlContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo "an http server, not postgres"; exec httpd -f -p 5432'])
      .withStartupTimeout(3_000)
      .start()
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ContainerStartError);
    const text = String(other);
    expect(text).toContain('postgres readiness check');
    expect(text).toMatch(/last saw: .*127\.0\.0\.1:\d+: /);
    expect(text).toContain('an http server, not postgres');
  });
});
