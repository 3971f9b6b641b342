import type { ServiceDefinitions } from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

/**
 * Checks the references between declarations — every `dependsOn` and `network` names a declared
 * service, a `network` names a `network()` declaration, no cycles, no host port claimed twice — and
 * returns the names in an order where each comes after what it depends on.
 */
export function planServices(services: ServiceDefinitions): string[] {
  const names = Object.keys(services);
  for (const [name, definition] of Object.entries(services)) {
    for (const dependency of definition.dependsOn) {
      if (!(dependency in services)) {
        throw new ServiceConfigError(
          `service "${name}" depends on "${dependency}", which is not declared; declared services: ${names.join(', ')}`,
        );
      }
    }
    if (definition.network !== undefined && services[definition.network]?.kind !== 'network') {
      throw new ServiceConfigError(
        `service "${name}" joins network "${definition.network}", which is a ${services[definition.network]?.kind} service, not a network(); declare it as network()`,
      );
    }
  }
  const claimed = new Map<number, string>();
  for (const [name, definition] of Object.entries(services)) {
    for (const port of definition.fixedHostPorts) {
      const other = claimed.get(port);
      if (other !== undefined)
        throw new ServiceConfigError(`host port ${port} is claimed by both "${other}" and "${name}"`);
      claimed.set(port, name);
    }
  }

  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new ServiceConfigError(`services depend on each other in a cycle: ${cycle.join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const dependency of services[name]?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}
