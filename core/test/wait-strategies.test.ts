import { GenericContainer, type StartedGenericContainer, Wait } from '@skiff/core';
import { BUSYBOX, NOSHELL, startTestEngine, type TestEngine } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostServer } from './host-server.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

/** A busybox container relaying its port 8000 to `port` of the test process. */
function relayTo(port: number) {
  engine.runtime.exposeHostPorts(port);
  return new GenericContainer(BUSYBOX)
    .withCommand(['nc', '-ll', '-p', '8000', '-e', 'nc', 'host.skiff.internal', String(port)])
    .withExposedPorts(8000);
}

describe('wait strategies', () => {
  it('passes the default wait on an image without a shell, and only once the server listens', async () => {
    // The server binds 1.5 s after start; the engine's port proxy accepts before that.
    await using c = await new GenericContainer(NOSHELL)
      .withCommand(['/server', '8080', '1500'])
      .withExposedPorts(8080)
      .start();
    const res = await fetch(`http://${c.getHost()}:${c.getMappedPort(8080)}/`);
    expect(await res.text()).toBe('noshell\n');
    await expect(c.exec(['/bin/sh', '-c', 'true'])).resolves.toMatchObject({ exitCode: expect.any(Number) });
  });

  it('forListeningPorts waits for the named ports only', async () => {
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['httpd', '-f', '-p', '80', '-h', '/etc'])
      .withExposedPorts(80, 81)
      .withWaitStrategy(Wait.forListeningPorts(80))
      .start();
    expect(c.getMappedPort(81)).toBeGreaterThan(0);
  });

  it('forLogMessage counts regex matches and ignores output from before a restart', async () => {
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'for i in 1 2 3; do echo "tick $i"; sleep 0.2; done; echo done; sleep 300'])
      .withWaitStrategy(Wait.forLogMessage(/tick \d/, 3))
      .start();
    const logs = await c.logs();
    const seen = await new Promise<string>((resolve) => {
      let text = '';
      logs.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('tick 3')) resolve(text);
      });
    });
    logs.destroy();
    expect(seen).toContain('tick 1\ntick 2\ntick 3\n');
  });

  it('forLogMessage fails when the log stream ends without a match', async () => {
    const err = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo only this'])
      .withWaitStrategy(Wait.forLogMessage('never printed'))
      .start()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
    expect(String((err as Error).message)).toMatch(/exited with code 0|log stream ended/);
  });

  it('forHttp sends method, headers, body and basic credentials, and checks status and response', async () => {
    let calls = 0;
    const server = await startHostServer((req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 503 : 202, { 'x-ready': calls < 3 ? 'no' : 'yes' });
      res.end(calls < 3 ? 'warming up' : `ready ${req.body}`);
    });
    try {
      await using c = await relayTo(server.port)
        .withWaitStrategy(
          Wait.forHttp('/health?deep=1', 8000)
            .withMethod('POST')
            .withHeaders({ 'x-token': 'abc' })
            .withBody('{"probe":true}')
            .withBasicCredentials('user', 'secret')
            .forStatusCode(202)
            .forResponsePredicate(
              (body, res) => body === 'ready {"probe":true}' && res.headers['x-ready'] === 'yes',
            )
            .withReadTimeout(2_000)
            .withPollInterval(50),
        )
        .start();
      expect(c.getMappedPort(8000)).toBeGreaterThan(0);
      const last = server.requests.at(-1);
      expect(last).toMatchObject({ method: 'POST', url: '/health?deep=1', body: '{"probe":true}' });
      expect(last?.headers['x-token']).toBe('abc');
      expect(last?.headers.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
      expect(calls).toBeGreaterThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  it('forHttp over TLS fails on a self-signed certificate unless allowed insecure', async () => {
    const server = await startHostServer((_req, res) => res.end('secure'), { tls: true });
    try {
      const strict = await relayTo(server.port)
        .withWaitStrategy(Wait.forHttp('/', 8000).usingTls())
        .withStartupTimeout(2_000)
        .start()
        .catch((e: unknown) => e);
      expect(strict).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
      expect(String((strict as Error).message)).toMatch(/SELF_SIGNED|self.signed/i);
      await using c = await relayTo(server.port)
        .withWaitStrategy(Wait.forHttp('/', 8000).usingTls().allowInsecure())
        .start();
      expect(c.getId()).toBeTruthy();
    } finally {
      await server.close();
    }
  });

  it('forHealthCheck fails at once on unhealthy, with the health log', async () => {
    const err = await new GenericContainer(BUSYBOX)
      .withCommand(['sleep', '300'])
      .withHealthCheck({
        test: ['CMD-SHELL', 'echo probe says no; exit 1'],
        interval: 100,
        timeout: 1_000,
        retries: 2,
      })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(30_000)
      .start()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
    expect(String((err as Error).message)).toContain('probe says no');
    expect((err as { details: { healthStatus: string } }).details.healthStatus).toBe('unhealthy');
  });

  it('forSuccessfulCommand polls at the configured interval until the command succeeds', async () => {
    const started = Date.now();
    await using c = await new GenericContainer(BUSYBOX)
      .withCommand(['sleep', '300'])
      .withWaitStrategy(
        Wait.forSuccessfulCommand('echo x >> /tmp/polls; test $(wc -l < /tmp/polls) -ge 4').withPollInterval(
          250,
        ),
      )
      .start();
    expect((await c.exec('wc -l < /tmp/polls')).stdout.trim()).toBe('4');
    // Three waits between four polls.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });

  it('forOneShotStartup succeeds on exit 0 and fails on another exit code', async () => {
    const ok = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo migrated'])
      .withWaitStrategy(Wait.forOneShotStartup())
      .start();
    await ok.stop();
    const err = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo migration failed; exit 3'])
      .withWaitStrategy(Wait.forOneShotStartup())
      .start()
      .catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/exited with code 3[\s\S]*migration failed/);
  });

  it('forAll runs in parallel, forSequence in order, forAny takes the first success', async () => {
    const order: string[] = [];
    const script = 'sleep 0.3; echo first; sleep 0.3; echo second; httpd -f -p 80 -h /etc';
    const tracked = (name: string, s: ReturnType<typeof Wait.forLogMessage>) => {
      const wrapped = Object.create(s) as typeof s;
      wrapped.waitUntilReady = async (ctx) => {
        await s.waitUntilReady(ctx);
        order.push(name);
      };
      return wrapped;
    };
    const start = (
      strategy: Parameters<GenericContainer['withWaitStrategy']>[0],
    ): Promise<StartedGenericContainer> =>
      new GenericContainer(BUSYBOX)
        .withCommand(['sh', '-c', script])
        .withExposedPorts(80)
        .withWaitStrategy(strategy)
        .start();

    const all = await start(
      Wait.forAll([
        tracked('second', Wait.forLogMessage('second')),
        tracked('first', Wait.forLogMessage('first')),
      ]),
    );
    expect(order).toEqual(['first', 'second']);
    await all.stop();

    order.length = 0;
    const seq = await start(
      Wait.forSequence([
        tracked('second', Wait.forLogMessage('second')),
        tracked('first', Wait.forLogMessage('first')),
      ]),
    );
    expect(order).toEqual(['second', 'first']);
    await seq.stop();

    const any = await start(
      Wait.forAny([Wait.forLogMessage('never'), Wait.forListeningPorts(80), Wait.forLogMessage('first')]),
    );
    await any.stop();
    const none = await new GenericContainer(BUSYBOX)
      .withCommand(['sleep', '300'])
      .withWaitStrategy(
        Wait.forAny([Wait.forLogMessage('a'), Wait.forLogMessage('b')]).withStartupTimeout(800),
      )
      .start()
      .catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
  });

  it('shares one startup deadline between the steps of start()', async () => {
    const started = Date.now();
    const err = await new GenericContainer(BUSYBOX)
      .withCommand(['sh', '-c', 'echo one; sleep 300'])
      .withWaitStrategy(Wait.forSequence([Wait.forLogMessage('one'), Wait.forLogMessage('two')]))
      .withStartupTimeout(1_500)
      .start()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_CONTAINER_START_FAILED' });
    expect((err as Error).cause).toMatchObject({ code: 'SKIFF_WAIT_TIMEOUT' });
    expect(String((err as Error).message)).toContain('Wait.forLogMessage("two")');
    // The second wait got what the first left of the 1.5 s, not 1.5 s of its own.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
