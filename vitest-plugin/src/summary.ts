import type { ProvisionedServices } from './services/provision-services.js';
import type { ServiceInfoBase } from './services/service-definition.js';

function where(info: ServiceInfoBase): string {
  const i = info as Partial<Record<'host' | 'port' | 'name', unknown>> & { ports?: Record<string, number> };
  if (typeof i.host === 'string' && typeof i.port === 'number') return `${i.host}:${i.port}`;
  if (typeof i.host === 'string' && i.ports) {
    const ports = Object.entries(i.ports).map(([p, h]) => `${p}→${i.host}:${h}`);
    return ports.length > 0 ? ports.join(', ') : 'no published ports';
  }
  return typeof i.name === 'string' ? i.name : '';
}

/** One line per service for the runner's output: what started, where it is, and how long it took. */
export function formatSummary(provisioned: ProvisionedServices, ms: number): string {
  const lines = Object.entries(provisioned.infos).map(
    ([name, info]) => `  ${name.padEnd(12)} ${info.kind.padEnd(10)} ${where(info)}`,
  );
  const { engineKind, engineHost, sessionMode } = provisioned.context;
  const engine = `${engineKind} at ${engineHost} (cleanup: ${sessionMode === 'engine' ? 'engine session' : sessionMode})`;
  return [`[skiff] services ready in ${Math.round(ms)} ms on ${engine}`, ...lines].join('\n');
}
