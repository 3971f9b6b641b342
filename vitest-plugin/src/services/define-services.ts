import {
  isServiceDefinition,
  type ServiceDefinition,
  type ServiceDefinitions,
} from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

/** Service names are inject keys, environment-variable parts and DNS names on a network. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** Keys the runners use for their own context; a service may not take them. */
export const RESERVED_NAMES = ['skiff'] as const;

/**
 * Checks a map of declarations and returns it with its exact type, so tests can be typed from it
 * (`ProvidedServices<typeof services>`). Put it in a file both runners' configs import:
 *
 * ```ts
 * export const services = defineServices({ db: postgres(), cache: redis() });
 * ```
 */
export function defineServices<const S extends Record<string, ServiceDefinition>>(services: S): S {
  if (typeof services !== 'object' || services === null || Array.isArray(services)) {
    throw new ServiceConfigError(
      `services must be an object of name → declaration, got ${JSON.stringify(services)}`,
    );
  }
  for (const [name, definition] of Object.entries(services)) {
    if (!NAME.test(name)) {
      throw new ServiceConfigError(
        `service name ${JSON.stringify(name)} is not valid: use a letter, then letters, digits, "-" or "_" (at most 63)`,
      );
    }
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      throw new ServiceConfigError(
        `service name "${name}" is reserved for Skiff's own context; choose another`,
      );
    }
    if (!isServiceDefinition(definition)) {
      throw new ServiceConfigError(
        `service "${name}" is not a service declaration (got ${describeValue(definition)}); ` +
          'use postgres(), redis(), container() or network()',
      );
    }
  }
  return services;
}

/**
 * Joins declaration maps (several `skiff()` plugins in one project, or a preset's and a file's),
 * refusing a name declared in more than one: which one should win is not guessable.
 */
export function mergeServices(...maps: ServiceDefinitions[]): ServiceDefinitions {
  const merged: Record<string, ServiceDefinition> = {};
  maps.forEach((map, index) => {
    for (const [name, definition] of Object.entries(defineServices(map))) {
      if (name in merged) {
        throw new ServiceConfigError(
          `service "${name}" is declared twice (again in declaration set #${index + 1}); give each service one declaration`,
        );
      }
      merged[name] = definition;
    }
  });
  return merged;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function (call it: postgres(), not postgres)';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return JSON.stringify(value) ?? typeof value;
}
