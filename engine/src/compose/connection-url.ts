import type { PortConfig } from './compose-model.js';

export interface ServiceEndpoint {
  service: string;
  /** The image the service runs (its repository decides the URL scheme). */
  image: string;
  environment: Record<string, string>;
  port: PortConfig;
  /** The host port actually bound (the engine's choice when the file left it out). */
  hostPort: number;
}

/** `postgres` from `docker.io/library/postgres:15@sha256:…`, `bitnami/postgresql` → `postgresql`. */
function repositoryName(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return (colon < 0 ? noDigest.slice(lastSlash + 1) : noDigest.slice(lastSlash + 1, colon)).toLowerCase();
}

function hostOf(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

const enc = encodeURIComponent;

/**
 * The URL a developer pastes into a client for a published port: `postgres://user:pass@…/db`
 * for a postgres image (from its `POSTGRES_*` environment, with the image's defaults),
 * `redis://…` for redis, `mysql://…`, `mongodb://…`, the port's `app_protocol` when the file
 * gives one, `udp://` for UDP, and `http://` for anything else.
 */
export function connectionUrl(e: ServiceEndpoint): string {
  const host = `${hostOf(e.port.hostIp)}:${e.hostPort}`;
  const env = e.environment;
  const repo = repositoryName(e.image);
  if (e.port.protocol === 'udp') return `udp://${host}`;
  if (e.port.appProtocol) return `${e.port.appProtocol}://${host}`;
  if ((repo === 'postgres' || repo === 'postgresql' || repo === 'postgis') && e.port.target === 5432) {
    const user = env.POSTGRES_USER || 'postgres';
    const password = env.POSTGRES_PASSWORD ?? '';
    const db = env.POSTGRES_DB || user;
    const auth = password ? `${enc(user)}:${enc(password)}` : enc(user);
    return `postgres://${auth}@${host}/${enc(db)}`;
  }
  if ((repo === 'redis' || repo === 'valkey' || repo === 'redis-stack-server') && e.port.target === 6379) {
    const password = env.REDIS_PASSWORD;
    return password ? `redis://:${enc(password)}@${host}` : `redis://${host}`;
  }
  if ((repo === 'mysql' || repo === 'mariadb') && e.port.target === 3306) {
    const user = env.MYSQL_USER || env.MARIADB_USER || 'root';
    const password =
      user === 'root'
        ? (env.MYSQL_ROOT_PASSWORD ?? env.MARIADB_ROOT_PASSWORD ?? '')
        : (env.MYSQL_PASSWORD ?? env.MARIADB_PASSWORD ?? '');
    const db = env.MYSQL_DATABASE ?? env.MARIADB_DATABASE ?? '';
    return `mysql://${password ? `${enc(user)}:${enc(password)}` : enc(user)}@${host}/${enc(db)}`;
  }
  if (repo === 'mongo' && e.port.target === 27017) {
    const user = env.MONGO_INITDB_ROOT_USERNAME;
    const password = env.MONGO_INITDB_ROOT_PASSWORD;
    return user ? `mongodb://${enc(user)}:${enc(password ?? '')}@${host}` : `mongodb://${host}`;
  }
  return `http://${host}`;
}
