/**
 * `@skiff/vitest/services`: the service model both test-runner integrations share — declarations
 * (`postgres()`, `redis()`, `container()`, `network()`), their checks, the parallel start, and the
 * broker that lets test workers use services owned by the runner's main process.
 */
export { callServiceAction } from './broker-client.js';
export type { ContainerPlacement, DependencyInfos } from './container-parts.js';
export {
  type ContainerServiceInfo,
  type ContainerServiceOptions,
  container,
  type DockerfileSource,
} from './container-service.js';
export { defineServices, mergeServices } from './define-services.js';
export { type NetworkServiceInfo, type NetworkServiceOptions, network } from './network-service.js';
export {
  type FreshDatabaseInfo,
  type PostgresServiceInfo,
  type PostgresServiceOptions,
  postgres,
} from './postgres-service.js';
export {
  ProvisionedServices,
  type ProvisionOptions,
  provisionServices,
  type SkiffRunContext,
} from './provision-services.js';
export {
  type RedisDatabaseInfo,
  type RedisServiceInfo,
  type RedisServiceOptions,
  redis,
} from './redis-service.js';
export { createRunDir } from './run-dir.js';
export { ServiceBroker } from './service-broker.js';
export {
  isServiceDefinition,
  type ProvidedServices,
  type RunningService,
  SERVICE_BRAND,
  type ServiceAction,
  type ServiceDefinition,
  type ServiceDefinitions,
  type ServiceInfoBase,
  type ServiceInfoOf,
  type ServiceStartContext,
} from './service-definition.js';
export {
  ServiceActionError,
  ServiceConfigError,
  ServiceStartError,
  ServicesUnavailableError,
} from './service-errors.js';
export { planServices } from './service-plan.js';
export { StartedServices, startServices } from './start-services.js';
