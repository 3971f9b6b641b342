import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegistryAuthHeader } from '../api/protocol/registry-auth-header.js';
import { ANONYMOUS_AUTH, encodeRegistryAuth, registryAuthFor } from './registry-auth.js';

describe('registryAuthFor', () => {
  it("sends the user's stored login for the image's registry, and {} for others", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'skiff-cli-auth-'));
    try {
      const auth = Buffer.from('alice:p/w+?').toString('base64');
      await writeFile(
        path.join(dir, 'config.json'),
        JSON.stringify({ auths: { 'localhost:5000': { auth } } }),
      );
      const env = { ...process.env, DOCKER_CONFIG: dir };
      const header = await registryAuthFor('localhost:5000/team/app:1', env);
      expect(header).not.toMatch(/[+/]/);
      expect(parseRegistryAuthHeader(header)).toEqual({
        username: 'alice',
        password: 'p/w+?',
        serveraddress: 'localhost:5000',
      });
      expect(await registryAuthFor('busybox:1.35', env)).toBe(ANONYMOUS_AUTH);
      expect(await registryAuthFor('Not A Reference', env)).toBe(ANONYMOUS_AUTH);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('encodes with the URL alphabet as moby decodes it', () => {
    expect(encodeRegistryAuth({})).toBe('e30=');
    expect(encodeRegistryAuth({ password: '>>>???' })).toBe(
      Buffer.from('{"password":">>>???"}').toString('base64url').padEnd(28, '='),
    );
  });
});
