import { afterEach, describe, expect, it } from 'vitest';
import { callServiceAction } from './broker-client.js';
import { ServiceBroker } from './service-broker.js';
import type { RunningService } from './service-definition.js';
import { StartedServices } from './start-services.js';

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
};

let broker: ServiceBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

async function serve(actions: RunningService['actions']): Promise<ServiceBroker> {
  const db: RunningService = { info: { kind: 'fake' }, actions, stop: async () => undefined };
  broker = await ServiceBroker.listen(new StartedServices(new Map([['db', db]]), silent), silent);
  return broker;
}

describe('ServiceBroker', () => {
  it("runs a service's action with the worker's arguments and returns its result", async () => {
    const { socketPath } = await serve({
      createDatabase: async (args) => ({ database: `test_${args.prefix}` }),
    });
    await expect(callServiceAction(socketPath, 'db', 'createDatabase', { prefix: 'w2' })).resolves.toEqual({
      database: 'test_w2',
    });
  });

  it('names unknown services and actions, and what exists', async () => {
    const { socketPath } = await serve({ createDatabase: async () => null });
    await expect(callServiceAction(socketPath, 'cache', 'flush')).rejects.toMatchObject({
      code: 'SKIFF_SERVICE_ACTION_UNKNOWN',
      message: 'no service "cache" was started; started: db',
    });
    await expect(callServiceAction(socketPath, 'db', 'toString')).rejects.toThrow(
      'service "db" (fake) has no action "toString"; it has: createDatabase',
    );
  });

  it("carries an action's failure and code back to the worker", async () => {
    const failure = Object.assign(new Error('template busy'), { code: 'SKIFF_POSTGRES_TEMPLATE_IN_USE' });
    const { socketPath } = await serve({
      createDatabase: async () => {
        throw failure;
      },
    });
    await expect(callServiceAction(socketPath, 'db', 'createDatabase')).rejects.toMatchObject({
      code: 'SKIFF_POSTGRES_TEMPLATE_IN_USE',
      message: 'db.createDatabase failed: template busy',
    });
  });

  it('says the owner is gone once the broker is closed', async () => {
    const served = await serve({ createDatabase: async () => null });
    await served.close();
    broker = undefined;
    await expect(callServiceAction(served.socketPath, 'db', 'createDatabase')).rejects.toMatchObject({
      code: 'SKIFF_SERVICES_UNAVAILABLE',
    });
  });
});
