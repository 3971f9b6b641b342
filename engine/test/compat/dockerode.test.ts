import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { BUSYBOX, provideBusybox, SkiffdHarness } from '@skiff/testing';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSkiffRegistry, writeHtpasswd } from './support/skiff-registry.js';

type ProgressEvent = { status?: string; stream?: string; error?: string; id?: string; aux?: { ID?: string } };

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** stdout and stderr of a multiplexed stream, split the way testcontainers does (`modem.demuxStream`). */
async function demux(
  docker: Docker,
  stream: NodeJS.ReadableStream,
): Promise<{ stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: ProgressEvent[]) =>
      err ? reject(err) : resolve(output),
    );
  });
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return readAll(pack);
}

async function tarEntries(bytes: Buffer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      parts.push(c as Buffer);
    });
    stream.on('end', () => {
      out[header.name] = Buffer.concat(parts).toString();
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(bytes);
  });
  return out;
}

/**
 * dockerode (4.x, what testcontainers-node uses) against a private skiffd: the calls testcontainers
 * makes, in its way — unversioned paths, the whole create config in the query too, attach and exec
 * without hijacking, demultiplexed with `modem.demuxStream`, progress with `followProgress`.
 */
describe('dockerode against skiffd', () => {
  const h = new SkiffdHarness();
  let docker: Docker;
  const stops: (() => Promise<unknown>)[] = [];
  const uniq = () => `${h.engineName}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await provideBusybox(h.api);
    docker = new Docker({ socketPath: h.socketPath });
  }, 180_000);

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await h.stop();
    await h.cleanup();
  });

  it('pings and reads version and info', async () => {
    expect(String(await docker.ping())).toBe('OK');
    const version = await docker.version();
    expect(version).toMatchObject({ ApiVersion: '1.45', Os: 'linux' });
    const info = await docker.info();
    expect(info.OSType).toBe('linux');
    expect(info.Images).toBeGreaterThan(0);
  });

  it('creates, attaches (no hijack) before start, starts, waits, reads logs and removes a container', async () => {
    const container = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sh', '-c', 'echo "hello $WHO"; echo oops >&2; exit 3'],
      Env: ['WHO=dockerode'],
      Labels: { 'org.testcontainers': 'true', suite: h.engineName },
      HostConfig: { AutoRemove: false },
      name: `tc-${uniq()}`,
    });
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    const output = demux(docker, attached);
    await container.start();
    expect(await container.wait()).toEqual({ StatusCode: 3, Error: null });
    expect(await output).toEqual({ stdout: 'hello dockerode\n', stderr: 'oops\n' });
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const fromLogs = new PassThrough();
    const split = demux(docker, fromLogs);
    fromLogs.end(logs);
    expect(await split).toEqual({ stdout: 'hello dockerode\n', stderr: 'oops\n' });
    const info = await container.inspect();
    expect(info.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3 });
    expect(info.Config.Labels.suite).toBe(h.engineName);
    const listed = await docker.listContainers({ all: true, filters: { label: [`suite=${h.engineName}`] } });
    expect(listed.map((c) => c.Id)).toEqual([info.Id]);
    await container.remove({ v: true });
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('runs exec the testcontainers way (plain POST, demultiplexed), with the exit code right after EOF', async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'] });
    await container.start();
    // moby answers a second start with 304, which dockerode reports as an error with that status.
    await expect(container.start()).rejects.toMatchObject({ statusCode: 304 });
    const exec = await container.exec({
      Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: false, stdin: false, Detach: false, Tty: false });
    expect(await demux(docker, stream)).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect(await exec.inspect()).toMatchObject({ ExitCode: 7, Running: false });
    const missing = await container.exec({ Cmd: ['/no/such/bin'], AttachStdout: true, AttachStderr: true });
    await demux(docker, await missing.start({ hijack: false, stdin: false }));
    expect((await missing.inspect()).ExitCode).toBe(127);
    await container.stop({ t: 0 });
    await expect(container.stop({ t: 0 })).rejects.toMatchObject({ statusCode: 304 });
    await container.remove({ force: true, v: true });
  });

  it('copies in and out with putArchive, getArchive and infoArchive', async () => {
    const container = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'] });
    await container.putArchive(await tarOf({ 'copied/hello.txt': 'hello archive\n' }), { path: '/tmp' });
    await container.start();
    const stat = (await container.infoArchive({ path: '/tmp/copied/hello.txt' })) as unknown as {
      headers: Record<string, string>;
    };
    const decoded = JSON.parse(
      Buffer.from(stat.headers['x-docker-container-path-stat'] ?? '', 'base64').toString(),
    );
    expect(decoded).toMatchObject({ name: 'hello.txt', size: 14 });
    const archive = await container.getArchive({ path: '/tmp/copied' });
    const entries = await tarEntries(await readAll(archive as unknown as Readable));
    expect(entries['copied/hello.txt']).toBe('hello archive\n');
    await expect(container.getArchive({ path: '/no/such/dir' })).rejects.toMatchObject({ statusCode: 404 });
    await container.remove({ force: true });
  });

  it('pulls with progress and credentials (authconfig), which never reach the daemon log', async () => {
    const password = `dockerode ${uniq()}`;
    const dir = path.join(h.base, 'dockerode-registry');
    const registry = await startSkiffRegistry(dir, {
      htpasswd: await writeHtpasswd(path.join(dir, 'htpasswd'), 'bob', password),
    });
    stops.push(registry.stop);
    const ref = `${registry.host}/tc/box:1`;
    const authconfig = { username: 'bob', password, serveraddress: registry.host };
    expect(await docker.checkAuth(authconfig)).toMatchObject({ Status: 'Login Succeeded' });
    await expect(docker.checkAuth({ ...authconfig, password: 'wrong' })).rejects.toMatchObject({
      statusCode: 401,
    });
    // An image with a layer of its own (a commit), so the pull downloads and unpacks something.
    const source = await docker.createContainer({ Image: BUSYBOX, Cmd: ['true'] });
    await source.putArchive(await tarOf({ 'layer.txt': `only in this image ${uniq()}\n` }), { path: '/' });
    await source.commit({ repo: `${registry.host}/tc/box`, tag: '1' });
    await source.remove();
    const pushed = await followProgress(docker, await docker.getImage(ref).push({ authconfig }));
    expect(pushed.find((e) => e.error)).toBeUndefined();
    expect(pushed.map((e) => e.status)).toContain('Pushed');
    await docker.getImage(ref).remove();

    const denied = await followProgress(docker, await docker.pull(ref));
    expect(denied.find((e) => e.error)?.error).toMatch(/401 Unauthorized/);
    const events: ProgressEvent[] = [];
    const pulled = await docker.pull(ref, { authconfig });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        pulled,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (e: ProgressEvent) => events.push(e),
      ),
    );
    const statuses = events.map((e) => e.status ?? '');
    expect(statuses[0]).toBe('Pulling from tc/box');
    // Per layer: a final status (the layers are still on disk for busybox:1.35, so "Already exists").
    const layerEnds = events.filter((e) => e.id && /^(Pull complete|Already exists)$/.test(e.status ?? ''));
    expect(layerEnds.length).toBeGreaterThan(0);
    expect(statuses.some((s) => s.startsWith('Digest: sha256:'))).toBe(true);
    expect(statuses).toContain(`Status: Downloaded newer image for ${ref}`);
    expect((await docker.getImage(ref).inspect()).RepoTags).toContain(ref);

    // dockerode also copies `authconfig` into the query string: the daemon must not log it.
    await new Promise((r) => setTimeout(r, 500));
    const log = await readFile(path.join(h.base, 'root', 'engines', h.engineName, 'skiffd.log'), 'utf8');
    expect(log).not.toContain(password);
    expect(log).not.toContain(encodeURIComponent(password));
  });

  it('builds from a tar context with build args and labels, following the progress', async () => {
    const tag = `tc-build-${uniq()}:1`;
    const context = await tarOf({
      Dockerfile: `FROM ${BUSYBOX}\nARG WHAT\nCOPY file.txt /file.txt\nRUN echo "built $WHAT" > /built\nCMD ["cat", "/built", "/file.txt"]\n`,
      'file.txt': 'from the context\n',
    });
    const output = await followProgress(
      docker,
      await docker.buildImage(Readable.from([context]) as unknown as NodeJS.ReadableStream, {
        t: tag,
        buildargs: { WHAT: 'by dockerode' },
        labels: { suite: h.engineName },
      }),
    );
    expect(output.find((e) => e.error)).toBeUndefined();
    const text = output.map((e) => e.stream ?? '').join('');
    expect(text).toContain(`Successfully tagged ${tag}`);
    const id = output.find((e) => e.aux?.ID)?.aux?.ID;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = await docker.getImage(tag).inspect();
    expect(image.Id).toBe(id);
    expect(image.Config.Labels).toMatchObject({ suite: h.engineName });
    const container = await docker.createContainer({ Image: tag });
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = demux(docker, attached);
    await container.start();
    await container.wait();
    expect((await out).stdout).toBe('built by dockerode\nfrom the context\n');
    await container.remove();
    await docker.getImage(tag).remove();
    await expect(docker.getImage(tag).inspect()).rejects.toMatchObject({
      statusCode: 404,
      message: expect.stringMatching(/no such image/i),
    });
  });

  it('creates networks, connects containers with aliases before start, and removes them', async () => {
    const network = await docker.createNetwork({
      Name: `tc-net-${uniq()}`,
      CheckDuplicate: true,
      Driver: 'bridge',
      Labels: { suite: h.engineName },
    });
    const server = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '60'] });
    await network.connect({ Container: server.id, EndpointConfig: { Aliases: ['server-alias'] } });
    await server.start();
    const client = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['ping', '-c', '1', '-W', '3', 'server-alias'],
      HostConfig: { NetworkMode: (await network.inspect()).Name },
    });
    await client.start();
    expect((await client.wait()).StatusCode).toBe(0);
    const inspected = await network.inspect();
    expect(Object.keys(inspected.Containers ?? {})).toContain(server.id);
    expect((await server.inspect()).NetworkSettings.Networks[inspected.Name]?.IPAddress).toMatch(
      /^\d+\.\d+\.\d+\.\d+$/,
    );
    const bridge = await docker.getNetwork('bridge').inspect();
    expect(bridge.IPAM?.Config?.[0]?.Gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await expect(network.remove()).rejects.toMatchObject({ statusCode: 409 });
    await client.remove({ force: true });
    await server.remove({ force: true });
    await network.remove();
    await expect(network.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reads events with filters, since and until', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const label = `events=${uniq()}`;
    const container = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['true'],
      Labels: { events: label.split('=')[1] ?? '' },
    });
    await container.start();
    await container.wait();
    await container.remove();
    const stream = await docker.getEvents({
      since,
      until: Math.floor(Date.now() / 1000) + 1,
      filters: { type: ['container'], label: [label] },
    });
    const events = (await readAll(stream as unknown as Readable))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string } });
    expect(events.map((e) => e.Action)).toEqual(
      expect.arrayContaining(['create', 'start', 'die', 'destroy']),
    );
    expect(new Set(events.map((e) => e.Actor.ID))).toEqual(new Set([container.id]));
  });
});
