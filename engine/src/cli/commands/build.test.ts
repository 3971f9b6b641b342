import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildArgs, packContext } from './build.js';

async function entries(
  tar: NodeJS.ReadableStream,
): Promise<Map<string, { type: string; body: string; uid: number; linkname: string }>> {
  const out = new Map<string, { type: string; body: string; uid: number; linkname: string }>();
  const parser = extract();
  tar.pipe(parser as unknown as NodeJS.WritableStream);
  for await (const entry of parser) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    out.set(entry.header.name, {
      type: entry.header.type,
      body: Buffer.concat(parts).toString(),
      uid: entry.header.uid,
      linkname: entry.header.linkname ?? '',
    });
  }
  return out;
}

describe('skiff build', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-build-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes --build-arg KEY=VALUE, and KEY alone from the environment (left out when unset)', () => {
    expect(buildArgs(['A=1', 'B=', 'C=x=y', 'FROM_ENV', 'UNSET'], { FROM_ENV: 'env' })).toEqual({
      A: '1',
      B: '',
      C: 'x=y',
      FROM_ENV: 'env',
    });
    expect(() => buildArgs(['=oops'])).toThrow(/the name is empty/);
  });

  it('packs the context with .dockerignore applied, owners 0:0, links as links, the build files always sent', async () => {
    const ctx = path.join(dir, 'ctx');
    await mkdir(path.join(ctx, 'logs'), { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(ctx, '.dockerignore'), 'logs\nDockerfile\n.dockerignore\n*.tmp\n');
    await writeFile(path.join(ctx, 'logs', 'a.log'), 'log');
    await writeFile(path.join(ctx, 'x.tmp'), 'tmp');
    await writeFile(path.join(ctx, 'app.js'), 'app');
    await symlink('/etc/passwd', path.join(ctx, 'passwd'));
    const packed = await packContext(ctx, undefined);
    expect(packed.dockerfile).toBe('Dockerfile');
    const sent = await entries(packed.tar);
    expect([...sent.keys()].sort()).toEqual(['.dockerignore', 'Dockerfile', 'app.js', 'passwd']);
    expect(sent.get('passwd')).toMatchObject({ type: 'symlink', linkname: '/etc/passwd' });
    expect([...sent.values()].every((e) => e.uid === 0)).toBe(true);
    expect(packed.bytes()).toBeGreaterThan(0);
  });

  it('adds a Dockerfile from outside the context under a random name that .dockerignore hides again', async () => {
    const ctx = path.join(dir, 'ctx');
    await mkdir(ctx);
    await writeFile(path.join(ctx, '.dockerignore'), '*.secret\n');
    await writeFile(path.join(ctx, 'data.txt'), 'data');
    await writeFile(path.join(dir, 'outside.Dockerfile'), 'FROM busybox\n');
    const packed = await packContext(ctx, path.join(dir, 'outside.Dockerfile'));
    expect(packed.dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/);
    const sent = await entries(packed.tar);
    expect(sent.get(packed.dockerfile)?.body).toBe('FROM busybox\n');
    expect(sent.get('.dockerignore')?.body).toBe(`*.secret\n\n${packed.dockerfile}\n.dockerignore\n`);
    expect(sent.has('data.txt')).toBe(true);
  });

  it('says what is wrong with a context that is not there', async () => {
    await expect(packContext(path.join(dir, 'missing'), undefined)).rejects.toThrow(
      /unable to prepare context/,
    );
    await mkdir(path.join(dir, 'empty'));
    await expect(packContext(path.join(dir, 'empty'), undefined)).rejects.toThrow(/cannot find .*Dockerfile/);
  });
});
