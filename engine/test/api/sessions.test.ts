import { busyboxTar, SkiffdHarness, socketAnswers } from '@skiff/testing';
import { afterEach, describe, expect, it } from 'vitest';

const SESSION_LABEL = 'dev.skiff.session';

async function importBusybox(h: SkiffdHarness): Promise<void> {
  expect((await h.skiff(['import', await busyboxTar(), 'busybox'])).code).toBe(0);
}

async function containersOf(h: SkiffdHarness, session: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${SESSION_LABEL}=${session}`] }));
  return (await h.http('GET', `/containers/json?all=1&filters=${filters}`))
    .json<{ Id: string }[]>()
    .map((c) => c.Id);
}

describe('the session protocol of core/SESSIONS.md', () => {
  const harnesses: SkiffdHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      await h.stop();
      await h.cleanup();
    }
  });

  it("reaps a session's containers after its keepalive closes and the grace period ends", async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    await h.start();
    await importBusybox(h);
    const ping = await h.http('HEAD', '/_ping');
    expect(ping.headers['skiff-sessions']).toBe('1');
    expect(ping.headers['skiff-version']).toMatch(/^\d+\.\d+\.\d+/);

    const created = await h.http('POST', '/skiff/v1/sessions', {
      body: JSON.stringify({ GraceMs: 300, Labels: { 'dev.skiff.session.pid': '1' } }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { Id: session, GraceMs } = created.json<{ Id: string; GraceMs: number }>();
    expect(session).toMatch(/^[0-9a-f]{24}$/);
    expect(GraceMs).toBe(300);

    const keepalive = h.openRaw(`GET /skiff/v1/sessions/${session}/keepalive HTTP/1.1\r\nHost: api\r\n\r\n`);
    const run = await h.skiff(['run', '-d', '-l', `${SESSION_LABEL}=${session}`, 'busybox', 'sleep', '60']);
    const unrelated = await h.skiff(['run', '-d', 'busybox', 'sleep', '60']);
    expect(await containersOf(h, session)).toEqual([run.stdout.trim()]);

    keepalive.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(await containersOf(h, session)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await containersOf(h, session)).toEqual([]);
    expect((await h.http('GET', `/containers/${unrelated.stdout.trim()}/json`)).status).toBe(200);
    expect((await h.http('GET', `/skiff/v1/sessions/${session}/keepalive`)).status).toBe(404);
    expect((await h.http('DELETE', `/skiff/v1/sessions/${session}`)).json()).toEqual({
      message: `No such session: ${session}`,
    });
  });

  it('reaps at once on DELETE and ends the held keepalive', async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    await h.start();
    await importBusybox(h);
    const { Id: session } = (await h.http('POST', '/skiff/v1/sessions', { body: '{}' })).json<{
      Id: string;
    }>();
    const keepalive = h.openRaw(
      `GET /skiff/v1/sessions/${session}/keepalive HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n`,
    );
    await h.skiff(['run', '-d', '-l', `${SESSION_LABEL}=${session}`, 'busybox', 'sleep', '60']);
    expect((await h.http('DELETE', `/skiff/v1/sessions/${session}`)).status).toBe(204);
    expect(await containersOf(h, session)).toEqual([]);
    const held = (await keepalive.received).toString();
    expect(held).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(held).toMatch(/\r\n0\r\n\r\n$/);
  });

  it('exits when idle (SKIFF_EXIT_WHEN_IDLE=1) once its last session is reaped, removing its socket', async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    h.env.SKIFF_EXIT_WHEN_IDLE = '1';
    await h.start();
    const { Id: session } = (await h.http('POST', '/skiff/v1/sessions', { body: '{"GraceMs":0}' })).json<{
      Id: string;
    }>();
    const keepalive = h.openRaw(`GET /skiff/v1/sessions/${session}/keepalive HTTP/1.1\r\nHost: api\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    keepalive.socket.destroy();
    const code = await new Promise<number | null>((resolve) => {
      const d = h.daemon;
      if (!d || d.exitCode !== null) resolve(d?.exitCode ?? null);
      else d.once('exit', resolve);
    });
    expect(code).toBe(0);
    expect(await socketAnswers(h.socketPath)).toBe(false);
  });
});
