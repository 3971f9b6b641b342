import type { RedisContainer } from '@skiff/redis';

import { checkOptions } from './check-options.js';
import {
  type ContainerPlacement,
  dependenciesOf,
  PLACEMENT_OPTIONS,
  placeContainer,
} from './container-parts.js';
import { SERVICE_BRAND, type ServiceDefinition, type ServiceInfoBase } from './service-definition.js';
import { ServiceActionError } from './service-errors.js';

export interface RedisServiceOptions extends ContainerPlacement {
  /** Default: `@skiff/redis`'s (`redis:7`). */
  image?: string;
  password?: string;
  startupTimeout?: number;
  /** Anything else: receives the module's container builder before it starts. */
  configure?: (container: RedisContainer) => RedisContainer | undefined;
}

/** What tests get for a `redis()` service. */
export interface RedisServiceInfo extends ServiceInfoBase {
  kind: 'redis';
  host: string;
  port: number;
  password: string | undefined;
  /** `redis://[:password@]host:port`, from the test process. */
  url: string;
  /** The same from another container on the service's network (by service name), when it has one. */
  internalUrl: string | undefined;
  containerId: string;
}

/** One worker's logical database (`SELECT index`), flushed by the `flushDatabase` action. Plain data. */
export interface RedisDatabaseInfo {
  index: number;
  /** The service's URL with the database index as its path (`redis://host:port/3`). */
  url: string;
  host: string;
  port: number;
  password: string | undefined;
}

/** Redis has 16 logical databases; 0 stays the shared one, workers get 1–15. */
const WORKER_DATABASES = 15;

const KNOWN = ['image', 'password', 'startupTimeout', 'configure', ...PLACEMENT_OPTIONS] as const;

function withDatabase(url: string, index: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${index}`;
  return parsed.toString();
}

/** A Redis service (`@skiff/redis`), with per-worker logical databases for isolation. */
export function redis(options: RedisServiceOptions = {}): ServiceDefinition<RedisServiceInfo> {
  checkOptions('redis', options, KNOWN);
  const settings = { ...options };
  return {
    [SERVICE_BRAND]: true,
    kind: 'redis',
    describe: settings.image ?? 'redis (the module default image)',
    dependsOn: dependenciesOf(settings),
    network: settings.network,
    fixedHostPorts: [],
    async start(context) {
      const { RedisContainer } = await import('@skiff/redis');
      let builder = new RedisContainer(settings.image).withRuntime(context.runtime);
      if (settings.password) builder = builder.withPassword(settings.password);
      if (settings.startupTimeout) builder = builder.withStartupTimeout(settings.startupTimeout);
      placeContainer(builder, settings, context);
      builder = settings.configure?.(builder) ?? builder;
      const started = await builder.start();
      const password = started.getPassword() || undefined;
      const url = started.getConnectionUrl();
      const internal = new URL(url);
      internal.hostname = context.name;
      internal.port = '6379';
      const info: RedisServiceInfo = {
        kind: 'redis',
        host: started.getHost(),
        port: started.getPort(),
        password,
        url,
        internalUrl: settings.network ? internal.toString() : undefined,
        containerId: started.getId(),
      };
      return {
        info,
        actions: {
          flushDatabase: async (args): Promise<RedisDatabaseInfo> => {
            const worker = Number(args.worker ?? 1);
            const index = Number.isInteger(worker) && worker > 0 ? ((worker - 1) % WORKER_DATABASES) + 1 : 1;
            const auth = password ? ['-a', password, '--no-auth-warning'] : [];
            const result = await started.exec(['redis-cli', ...auth, '-n', String(index), 'FLUSHDB']);
            if (result.exitCode !== 0 || !result.output.includes('OK')) {
              throw new ServiceActionError(`FLUSHDB on database ${index} failed: ${result.output.trim()}`);
            }
            return { index, url: withDatabase(url, index), host: info.host, port: info.port, password };
          },
        },
        stop: async () => {
          await started.stop();
        },
      };
    },
  };
}
