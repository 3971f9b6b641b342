/** `redis://[:password@]host:port`, the password percent-encoded (ioredis and node-redis decode it). */
export function connectionUrl(host: string, port: number, password: string | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return password ? `redis://:${encodeURIComponent(password)}@${h}:${port}` : `redis://${h}:${port}`;
}
