import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GenericContainer, PullPolicy, Wait } from '@skiff/core';
import { BUSYBOX, NOSHELL, startTestEngine, type TestEngine, uniqueName } from '@skiff/testing/core';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectContainer } from '../src/engine/containers-api.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-core-gc-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sleeper() {
  return new GenericContainer(BUSYBOX).withCommand(['sleep', '300']);
}

describe(`GenericContainer on ${process.env.SKIFF_TEST_ENGINE ?? 'docker'}`, () => {
  it('applies command, entrypoint, environment, user, working dir, hostname, name and labels', async () => {
    const name = uniqueName('gc-config');
    await using c = await new GenericContainer(BUSYBOX)
      .withEntrypoint(['/bin/sh', '-c'])
      .withCommand(['echo "$GREETING from $(id -u) in $(pwd) on $(hostname)"; sleep 300'])
      .withEnvironment({ GREETING: 'hello world' })
      .withEnvironment({ SECOND: '2' })
      .withUser('65534')
      .withWorkingDir('/tmp')
      .withHostname('skiffy')
      .withName(name)
      .withLabels({ 'com.example.team': 'core' })
      .withWaitStrategy(Wait.forLogMessage('hello world from 65534 in /tmp on skiffy'))
      .start();
    expect(c.getName()).toBe(name);
    expect(c.getHostname()).toBe('skiffy');
    expect(c.getLabels()['com.example.team']).toBe('core');
    expect(c.getLabels()['dev.skiff.session']).toBe(engine.runtime.session.id);
    const env = await c.exec(['env']);
    expect(env.stdout).toContain('SECOND=2');
  });

  it('publishes random, fixed and UDP ports, and maps them on the host', async () => {
    const fixed = 20000 + Math.floor(Math.random() * 20000);
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'httpd -f -p 8080 -h /etc & nc -lu -p 5353 & sleep 300'])
      .withExposedPorts(8080, { container: 8081, host: fixed }, '5353/udp')
      .withWaitStrategy(Wait.forListeningPorts(8080))
      .start();
    expect(c.getHost()).toBe(engine.runtime.host);
    expect(c.getFirstMappedPort()).toBe(c.getMappedPort(8080));
    expect(c.getMappedPort('8081/tcp')).toBe(fixed);
    expect(c.getMappedPort('5353/udp')).toBeGreaterThan(0);
    expect(c.getMappedPort(5353, 'udp')).toBe(c.getMappedPort('5353/udp'));
    const res = await fetch(`http://${c.getHost()}:${c.getMappedPort(8080)}/passwd`);
    expect(await res.text()).toContain('root:x:0:0');
    expect(() => c.getMappedPort(9999)).toThrow(/9999\/tcp is not mapped/);
  });

  it('copies files, directories, content and archives before start, with modes', async () => {
    writeFileSync(path.join(dir, 'file.txt'), 'from a file\n');
    mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
    writeFileSync(path.join(dir, 'tree/sub/deep.txt'), 'deep\n');
    const tar = pack();
    tar.entry({ name: 'from-archive.txt' }, 'archived\n');
    tar.finalize();
    await using c = await sleeper()
      .withCopyFilesToContainer([
        { source: path.join(dir, 'file.txt'), target: '/data/file.txt', mode: 0o600 },
      ])
      .withCopyDirectoriesToContainer([{ source: path.join(dir, 'tree'), target: '/data/tree' }])
      .withCopyContentToContainer([
        { content: 'inline string\n', target: '/data/inline.txt' },
        { content: Buffer.from('#!/bin/sh\necho run\n'), target: '/data/run.sh', mode: 0o755 },
        { content: Readable.from(['stream', 'ed\n']), target: '/data/streamed.txt' },
      ])
      .withCopyArchivesToContainer([{ tar: Readable.from(tar as AsyncIterable<Buffer>), target: '/tmp' }])
      .start();
    const out = await c.exec(
      'cat /data/file.txt /data/tree/sub/deep.txt /data/inline.txt /data/streamed.txt /tmp/from-archive.txt && /data/run.sh && stat -c %a /data/file.txt',
    );
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe('from a file\ndeep\ninline string\nstreamed\narchived\nrun\n600\n');
  });

  it('mounts binds and tmpfs, adds extra hosts, and sets privileges, capabilities and limits', async () => {
    writeFileSync(path.join(dir, 'bound.txt'), 'bound\n');
    await using c = await sleeper()
      .withBindMounts([{ source: dir, target: '/bound', mode: 'ro' }])
      .withTmpFs({ '/scratch': 'rw,size=8m' })
      .withExtraHosts([{ host: 'db.example', ipAddress: '10.1.2.3' }])
      .withAddedCapabilities('NET_ADMIN')
      .withDroppedCapabilities('CHOWN')
      .withSecurityOpt('no-new-privileges')
      .withResourcesQuota({ memory: 0.25, cpu: 0.5 })
      .withSharedMemorySize(32 * 1024 * 1024)
      .withUlimits({ nofile: { soft: 1000, hard: 2000 } })
      .withIpcMode('private')
      .withDefaultLogDriver()
      .start();
    const out = await c.exec(
      'cat /bound/bound.txt; awk \'$2=="/scratch"{print $3}\' /proc/mounts; grep db.example /etc/hosts; ulimit -n; touch /bound/x 2>&1 || echo ro',
    );
    expect(out.stdout).toMatch(/^bound\ntmpfs\n10\.1\.2\.3\s+db\.example\n1000\n[\s\S]*ro\n$/);
    const inspect = await inspectContainer(engine.client, c.getId());
    expect(inspect.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(inspect.HostConfig.CapDrop).toEqual(['CHOWN']);
    expect(inspect.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(inspect.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(5e8);
    expect(inspect.HostConfig.ShmSize).toBe(32 * 1024 * 1024);
    expect(inspect.HostConfig.IpcMode).toBe('private');
    expect(inspect.HostConfig.LogConfig?.Type).toBe('json-file');
  });

  it('passes a health check and waits for it by default', async () => {
    await using c = await sleeper()
      .withHealthCheck({
        test: ['CMD-SHELL', 'test -f /tmp/ready'],
        interval: 100,
        timeout: 1000,
        retries: 50,
      })
      .withCommand(['sh', '-c', 'sleep 0.5; touch /tmp/ready; sleep 300'])
      .start();
    const inspect = await inspectContainer(engine.client, c.getId());
    expect(inspect.State.Health?.Status).toBe('healthy');
  });

  it('feeds the log consumer the followed output', async () => {
    const lines: string[] = [];
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo one; echo two >&2; sleep 300'])
      .withLogConsumer((stream) => stream.on('data', (d: Buffer) => lines.push(d.toString())))
      .withWaitStrategy(Wait.forLogMessage('two'))
      .start();
    // stdout and stderr are separate pipes: their relative order is not defined.
    await expect.poll(() => lines.join('').split('\n').sort()).toEqual(['', 'one', 'two']);
    expect(c.getId()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('honours the pull policy: always pull fails for an image the registry cannot serve', async () => {
    // Present on the engine, but only imported: no registry (nor the fixture mirror) serves it.
    expect(await engine.engine.hasImage(NOSHELL)).toBe(true);
    await expect(
      new GenericContainer(NOSHELL).withPullPolicy(PullPolicy.alwaysPull()).start(),
    ).rejects.toMatchObject({
      code: 'SKIFF_CONTAINER_START_FAILED',
    });
  });

  it('keeps a container on stop with withAutoRemove(false), and leaves it unlabelled with withAutoCleanup(false)', async () => {
    const c = await sleeper().withAutoRemove(false).withAutoCleanup(false).start();
    expect(c.getLabels()['dev.skiff.session']).toBeUndefined();
    const stopped = await c.stop();
    const inspect = await inspectContainer(engine.client, stopped.getId());
    expect(inspect.State.Running).toBe(false);
    await engine.client.call('DELETE', `/containers/${stopped.getId()}`, { query: { force: true } });
  });
});
