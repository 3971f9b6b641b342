import type { WireHealthConfig } from '../engine/wire-types.js';
import { HealthCheckWaitStrategy } from './health-check-wait-strategy.js';
import { HostPortWaitStrategy } from './host-port-wait-strategy.js';
import type { WaitStrategy } from './wait-strategy.js';

/**
 * testcontainers' default selection (parity §1.3): a health check given in code → health; the
 * image's health check disabled (`NONE`) → ports; a health check in the image → health; else ports.
 */
export function defaultWaitStrategy(
  requestHealthCheck: boolean,
  imageHealthCheck: WireHealthConfig | undefined,
): WaitStrategy {
  if (requestHealthCheck) return new HealthCheckWaitStrategy();
  const test = imageHealthCheck?.Test;
  if (test?.[0] === 'NONE') return new HostPortWaitStrategy();
  if (test && test.length > 0) return new HealthCheckWaitStrategy();
  return new HostPortWaitStrategy();
}
