import { InvalidArgumentError } from '../errors.js';

/** Where an engine's API is reached. */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: TlsFiles | undefined };

/** PEM contents for a TLS-protected TCP daemon (`DOCKER_TLS_VERIFY` + `DOCKER_CERT_PATH`). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Parses `unix:///path`, a bare `/path`, `tcp://host:port` or `http(s)://host:port`.
 * `tls` is attached by the caller (discovery reads the cert files).
 */
export function parseEngineHost(value: string): EngineEndpoint {
  if (value.startsWith('unix://')) return { kind: 'unix', socketPath: value.slice('unix://'.length) };
  if (value.startsWith('/')) return { kind: 'unix', socketPath: value };
  const match = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\]):?(\d+)?\/?$/.exec(value);
  if (match) {
    const scheme = match[1];
    const port = match[3] ? Number(match[3]) : scheme === 'https' ? 2376 : 2375;
    return { kind: 'tcp', host: match[2]!.replace(/^\[|\]$/g, ''), port, tls: undefined };
  }
  throw new InvalidArgumentError(
    `engine host ${JSON.stringify(value)} is not a unix:///path, /path or tcp://host:port address`,
  );
}

export function formatEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.kind === 'unix'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.host}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}`;
}
