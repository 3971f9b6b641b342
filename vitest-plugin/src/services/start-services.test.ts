import type { SkiffRuntime } from '@skiff/core';
import { describe, expect, it } from 'vitest';
import {
  SERVICE_BRAND,
  type ServiceDefinition,
  type ServiceInfoBase,
  type ServiceStartContext,
} from './service-definition.js';
import { startServices } from './start-services.js';

/** The orchestration only: declarations whose start and stop are recorded (the e2e suites start real ones). */
function recorder() {
  const events: string[] = [];
  const gates = new Map<string, () => void>();
  const fake = (
    name: string,
    options: { dependsOn?: string[]; fail?: string; gated?: boolean } = {},
  ): ServiceDefinition => ({
    [SERVICE_BRAND]: true,
    kind: 'fake',
    describe: `fake ${name}`,
    dependsOn: options.dependsOn ?? [],
    network: undefined,
    fixedHostPorts: [],
    async start(context: ServiceStartContext) {
      events.push(`start ${name} deps=${Object.keys(context.dependencies).join(',')}`);
      if (options.gated) await new Promise<void>((resolve) => gates.set(name, resolve));
      if (options.fail) throw new Error(options.fail);
      events.push(`ready ${name}`);
      const info: ServiceInfoBase & { name: string } = { kind: 'fake', name };
      return {
        info,
        actions: {},
        stop: async () => {
          events.push(`stop ${name}`);
        },
      };
    },
  });
  return { events, gates, fake };
}

const runtime = { explanation: { endpoint: 'tcp://remote:2375' } } as unknown as SkiffRuntime;
const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
};
const options = { runtime, logger: silent, root: '/' };

describe('startServices', () => {
  it('starts independent services in parallel and dependents after their dependencies', async () => {
    const { events, gates, fake } = recorder();
    const starting = startServices(
      {
        a: fake('a', { gated: true }),
        b: fake('b', { gated: true }),
        c: fake('c', { dependsOn: ['a', 'b'] }),
      },
      options,
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['start a deps=', 'start b deps=']);
    gates.get('b')?.();
    gates.get('a')?.();
    const started = await starting;
    expect(events.slice(2)).toEqual(['ready b', 'ready a', 'start c deps=a,b', 'ready c']);
    expect(started.infos).toEqual({
      b: { kind: 'fake', name: 'b' },
      a: { kind: 'fake', name: 'a' },
      c: { kind: 'fake', name: 'c' },
    });
    await started.stop();
    expect(events.slice(-3)).toEqual(['stop c', 'stop a', 'stop b']);
  });

  it('stops what started, skips dependents, and names the failed service', async () => {
    const { events, fake } = recorder();
    const failing = startServices(
      {
        ok: fake('ok'),
        bad: fake('bad', { fail: 'exit code 3' }),
        after: fake('after', { dependsOn: ['bad'] }),
      },
      options,
    );
    await expect(failing).rejects.toMatchObject({
      code: 'SKIFF_SERVICE_START_FAILED',
      service: 'bad',
      message: 'service "bad" (fake bad) failed to start: exit code 3',
    });
    expect(events).toContain('stop ok');
    expect(events.some((e) => e.startsWith('start after'))).toBe(false);
  });

  it('reports every service that failed in one start', async () => {
    const { fake } = recorder();
    await expect(
      startServices({ x: fake('x', { fail: 'first' }), y: fake('y', { fail: 'second' }) }, options),
    ).rejects.toThrow(/service "x" \(fake x\) failed to start: first\n\nservice "y" also failed: second/);
  });
});
