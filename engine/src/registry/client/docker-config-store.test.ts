import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerConfigCredentials } from './docker-config-credentials.js';
import { DockerConfigStore, loginServerKey } from './docker-config-store.js';

/**
 * A real credential helper program (the docker-credential-* protocol: store/get/erase/list on
 * stdin/stdout) that keeps its secrets in a JSON file next to it.
 */
const HELPER = `#!/usr/bin/env node
const fs = require('node:fs');
const file = process.env.TEST_HELPER_DB;
const db = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
const input = fs.readFileSync(0, 'utf8').trim();
const verb = process.argv[2];
if (verb === 'store') { const c = JSON.parse(input); db[c.ServerURL] = c; }
else if (verb === 'get') { if (!db[input]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); } process.stdout.write(JSON.stringify(db[input])); }
else if (verb === 'erase') { if (!db[input]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); } delete db[input]; }
else if (verb === 'list') { const out = {}; for (const k of Object.keys(db)) out[k] = db[k].Username; process.stdout.write(JSON.stringify(out)); }
fs.writeFileSync(file, JSON.stringify(db));
`;

describe('DockerConfigStore', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-docker-config-'));
    await writeFile(path.join(dir, 'docker-credential-testhelper'), HELPER);
    await chmod(path.join(dir, 'docker-credential-testhelper'), 0o755);
    env = {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      TEST_HELPER_DB: path.join(dir, 'helper-db.json'),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keys logins like docker login: Docker Hub by its legacy URL, others by host[:port]', () => {
    expect(loginServerKey(undefined)).toBe('https://index.docker.io/v1/');
    expect(loginServerKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(loginServerKey('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(loginServerKey('Registry.Example:443')).toBe('registry.example:443');
  });

  it('stores base64 user:password in auths, owner-only, keeping other keys, and erases it', async () => {
    const file = path.join(dir, 'cfg', 'config.json');
    const store = new DockerConfigStore(file, env);
    await store.store('localhost:5000', { username: 'alice', secret: 'pa:ss' });
    const config = JSON.parse(await readFile(file, 'utf8'));
    expect(config.auths['localhost:5000']).toEqual({ auth: Buffer.from('alice:pa:ss').toString('base64') });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    config.psFormat = 'table {{.ID}}';
    await writeFile(file, JSON.stringify(config));
    const read = await new DockerConfigCredentials(file, logger, env).get('localhost:5000');
    expect(read).toEqual({ kind: 'basic', username: 'alice', password: 'pa:ss' });
    expect(await store.sources()).toEqual([{ server: 'localhost:5000', source: file }]);
    expect(await store.erase('http://localhost:5000')).toEqual({ key: 'localhost:5000', found: true });
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(after).toEqual({ auths: {}, psFormat: 'table {{.ID}}' });
    expect(await store.erase('localhost:5000')).toEqual({ key: 'localhost:5000', found: false });
  });

  it('hands the secret to the credsStore helper and leaves only an empty auths entry in the file', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ credsStore: 'testhelper' }));
    const store = new DockerConfigStore(file, env);
    const saved = await store.store('localhost:5000', { username: 'bob', secret: 'hunter2' });
    expect(saved.location).toBe('the credential helper docker-credential-testhelper');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ credsStore: 'testhelper', auths: { 'localhost:5000': {} } });
    const read = await new DockerConfigCredentials(file, logger, env).get('localhost:5000');
    expect(read).toEqual({ kind: 'basic', username: 'bob', password: 'hunter2' });
    expect(await store.sources()).toEqual([
      { server: 'localhost:5000', source: 'docker-credential-testhelper' },
    ]);
    await store.erase('localhost:5000');
    expect(await new DockerConfigCredentials(file, logger, env).get('localhost:5000')).toBeUndefined();
  });

  it('uses the credHelpers entry of the server before credsStore', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({ credsStore: 'missing-helper', credHelpers: { 'reg.example:5000': 'testhelper' } }),
    );
    const store = new DockerConfigStore(file, env);
    await store.store('reg.example:5000', { username: 'carol', secret: 'tok', identityToken: true });
    const db = JSON.parse(await readFile(env.TEST_HELPER_DB as string, 'utf8'));
    expect(db['reg.example:5000']).toEqual({
      ServerURL: 'reg.example:5000',
      Username: '<token>',
      Secret: 'tok',
    });
    await expect(store.store('other.example', { username: 'x', secret: 'y' })).rejects.toThrow(
      /docker-credential-missing-helper/,
    );
  });

  it('refuses a config file that is not JSON instead of overwriting it', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{not json');
    await expect(
      new DockerConfigStore(file, env).store('x.example', { username: 'a', secret: 'b' }),
    ).rejects.toThrow(/is not valid JSON/);
    expect(await readFile(file, 'utf8')).toBe('{not json');
  });
});
