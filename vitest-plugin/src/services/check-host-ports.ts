import net from 'node:net';
import type { ServiceDefinitions } from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

function probe(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    // All interfaces: a port held on loopback or on any address conflicts with this bind.
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Fails before anything starts when a fixed host port of a declaration is already taken on this
 * machine. Only meaningful for an engine on this host (a unix socket); the engine's own error
 * covers the rest.
 */
export async function checkHostPorts(services: ServiceDefinitions): Promise<void> {
  const taken: string[] = [];
  await Promise.all(
    Object.entries(services).flatMap(([name, definition]) =>
      definition.fixedHostPorts.map(async (port) => {
        const err = await probe(port);
        if (err?.code === 'EADDRINUSE') taken.push(`${port} (service "${name}")`);
        else if (err) taken.push(`${port} (service "${name}": ${err.code ?? err.message})`);
      }),
    ),
  );
  if (taken.length > 0) {
    throw new ServiceConfigError(
      `host port ${taken.sort().join(', ')} is already in use on this machine; ` +
        'free it or let the engine pick one (ports: [8080] instead of { container: 8080, host: … })',
    );
  }
}
