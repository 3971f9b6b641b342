import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianBaseTar } from './debian-base.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURES = here('../../../fixtures');

/** Polls `skiff logs` until `pattern` has appeared `times` times. */
async function waitForLog(h: SkiffdHarness, name: string, pattern: RegExp, times: number, ms = 120_000) {
  const deadline = Date.now() + ms;
  let last: CliResult | undefined;
  while (Date.now() < deadline) {
    last = await h.skiff(['logs', name]);
    const text = last.stdout + last.stderr;
    if ((text.match(new RegExp(pattern.source, 'g')) ?? []).length >= times) return text;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `timed out waiting for ${pattern} x${times} in the logs of ${name}:\n${last?.stdout}${last?.stderr}`,
  );
}

/** One request/response over TCP: what a redis client sends first. */
function tcpExchange(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (c) => {
      got += c.toString();
      if (got.includes('\r\n')) s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.write(send);
  });
}

async function publishedPort(h: SkiffdHarness, name: string, port: string): Promise<number> {
  const inspect = (await h.http('GET', `/containers/${name}/json`)).json<{
    NetworkSettings: { Ports: Record<string, { HostPort: string }[] | null> };
  }>();
  return Number(inspect.NetworkSettings.Ports[port]?.[0]?.HostPort);
}

/**
 * The stand-in service images, built from fixtures/ by Skiff's builder through the CLI (the way
 * `npm run fixtures` builds them) on a debian:bookworm base made with mmdebstrap (pulled from the
 * fixture registry under `npm test`, else made here and imported), then run as
 * containers on a private engine. RUN steps use the host network to reach Debian's mirror.
 */
describe('stand-in service images', () => {
  const h = new SkiffdHarness();

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    if (process.env.SKIFF_REGISTRY_MIRRORS) {
      // npm test: the fixture registry serves the same recipe (`npm run fixtures` made it).
      const pulled = await h.skiff(['pull', '-q', 'debian:bookworm']);
      expect(pulled.code, pulled.stderr).toBe(0);
      return;
    }
    // The config Docker Hub's debian:bookworm has: PATH (the Dockerfiles extend it) and bash.
    const imported = await h.skiff([
      'import',
      '-c',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '-c',
      'CMD ["bash"]',
      await debianBaseTar(),
      'debian:bookworm',
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  it('redis:7 answers PING inside the container and through a published port, with arguments passed through', async () => {
    const built = await h.skiff(['build', '-t', 'redis:7', path.join(FIXTURES, 'redis')]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/Successfully tagged redis:7\n$/);

    const run = await h.skiff(['run', '-d', '--name', 'r1', '-p', '127.0.0.1::6379', 'redis:7']);
    expect(run.code).toBe(0);
    await waitForLog(h, 'r1', /Ready to accept connections/, 1);
    const ping = await h.skiff(['exec', 'r1', 'redis-cli', 'ping']);
    expect(ping.stdout).toBe('PONG\n');
    // From the host through the proxy the server sees the bridge gateway, not loopback:
    // protected mode would answer -DENIED.
    expect(await tcpExchange(await publishedPort(h, 'r1', '6379/tcp'), 'PING\r\n')).toBe('+PONG\r\n');
    const uid = await h.skiff(['exec', 'r1', 'sh', '-c', "awk '/^Uid:/{print $2}' /proc/1/status"]);
    expect(uid.stdout).toBe('999\n');

    await h.skiff(['run', '-d', '--name', 'r2', 'redis:7', 'redis-server', '--port', '7777', '--save', '']);
    await waitForLog(h, 'r2', /Ready to accept connections/, 1);
    expect((await h.skiff(['exec', 'r2', 'redis-cli', '-p', '7777', 'ping'])).stdout).toBe('PONG\n');
    expect((await h.skiff(['exec', 'r2', 'redis-cli', '-p', '7777', 'config', 'get', 'save'])).stdout).toBe(
      'save\n\n',
    );

    // A first argument that is an option gets redis-server in front, as in the official image.
    await h.skiff(['run', '-d', '--name', 'r3', 'redis:7', '--port', '7778']);
    await waitForLog(h, 'r3', /Ready to accept connections/, 1);
    expect((await h.skiff(['exec', 'r3', 'redis-cli', '-p', '7778', 'ping'])).stdout).toBe('PONG\n');
    for (const name of ['r1', 'r2', 'r3']) await h.skiff(['rm', '-f', name]);
  }, 900_000);

  it('postgres:15 initialises with POSTGRES_PASSWORD and POSTGRES_DB, runs init scripts, takes -c options and accepts psql', async () => {
    const built = await h.skiff(['build', '-t', 'postgres:15', path.join(FIXTURES, 'postgres')]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);

    const init = path.join(h.base, 'initdb');
    await mkdir(init);
    await writeFile(
      path.join(init, '01-schema.sql'),
      "CREATE TABLE pets (name text);\nINSERT INTO pets VALUES ('rex');\n",
    );
    await writeFile(
      path.join(init, '02-more.sql.gz'),
      execFileSync('gzip', ['-c'], { input: "INSERT INTO pets VALUES ('tom');\n" }),
    );
    // Sourced (not executable): gets the entrypoint's "${psql[@]}", as in the official image.
    await writeFile(
      path.join(init, '03-sourced.sh'),
      `"\${psql[@]}" -c "INSERT INTO pets VALUES ('$(whoami)')"\n`,
      {
        mode: 0o644,
      },
    );
    // Executable: runs on its own, with the exported POSTGRES_* variables.
    await writeFile(
      path.join(init, '04-exec.sh'),
      '#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO pets VALUES (\'exec\')"\n',
      { mode: 0o755 },
    );
    const run = await h.skiff([
      'run',
      '-d',
      '--name',
      'pg',
      '-e',
      'POSTGRES_PASSWORD=s3cret',
      '-e',
      'POSTGRES_DB=app',
      '-v',
      `${init}:/docker-entrypoint-initdb.d:ro`,
      '-p',
      '127.0.0.1::5432',
      'postgres:15',
      '-c',
      'max_connections=42',
    ]);
    expect(run.code).toBe(0);
    const logs = await waitForLog(h, 'pg', /database system is ready to accept connections/, 2);
    expect(logs).toContain('PostgreSQL init process complete; ready for start up.');
    expect(logs).toContain('running /docker-entrypoint-initdb.d/02-more.sql.gz');

    const rows = await h.skiff([
      'exec',
      'pg',
      'psql',
      '-U',
      'postgres',
      '-d',
      'app',
      '-tAc',
      'SELECT name FROM pets ORDER BY name',
    ]);
    expect(rows.stderr).toBe('');
    expect(rows.stdout).toBe('exec\npostgres\nrex\ntom\n');
    const setting = await h.skiff(['exec', 'pg', 'psql', '-U', 'postgres', '-tAc', 'SHOW max_connections']);
    expect(setting.stdout).toBe('42\n');
    // Inside the container loopback is trusted (initdb's default, as in the official image); from
    // another container the appended `host all all all scram-sha-256` rule asks for the password.
    const ip = (await h.http('GET', '/containers/pg/json')).json<{ NetworkSettings: { IPAddress: string } }>()
      .NetworkSettings.IPAddress;
    const client = (password: string) =>
      h.skiff([
        'run',
        '--rm',
        '-e',
        `PGPASSWORD=${password}`,
        '--entrypoint',
        'psql',
        'postgres:15',
        '-h',
        ip,
        '-U',
        'postgres',
        '-d',
        'app',
        '-tAc',
        'SELECT current_database()',
      ]);
    const wrong = await client('nope');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('password authentication failed');
    const right = await client('s3cret');
    expect(right.stdout).toBe('app\n');
    const uid = await h.skiff(['exec', 'pg', 'sh', '-c', "awk '/^Uid:/{print $2}' /proc/1/status"]);
    expect(uid.stdout).toBe('999\n');
    // The published port reaches the server (the startup packet of a real client is answered).
    const port = await publishedPort(h, 'pg', '5432/tcp');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8, 0);
    startup.writeInt32BE(80877103, 4); // SSLRequest: the server answers one byte, N (no TLS)
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (c) => {
        resolve(c.toString('latin1'));
        s.destroy();
      });
      s.once('error', reject);
      s.write(startup);
    });
    expect(answer).toBe('N');
    await h.skiff(['rm', '-f', 'pg']);
  }, 900_000);

  it('postgres:15 refuses to initialise without a password, with the official message', async () => {
    const run = await h.skiff(['run', '--name', 'pg-nopass', 'postgres:15']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Database is uninitialized and superuser password is not specified.');
    await h.skiff(['rm', '-f', 'pg-nopass']);
  }, 120_000);
});
