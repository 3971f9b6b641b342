import type { WirePort } from '../api/wire/container-wire.js';

/** Writes to stdout; a closed pipe (e.g. `skiff ps | head -1`) is not an error. */
export function out(text: string): void {
  process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Docker's `--format json`-style one object per line. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** `docker inspect` prints a JSON array indented by four spaces. */
export function jsonArray(values: unknown[]): string {
  return `${JSON.stringify(values, null, 4)}\n`;
}

function hostPart(ip: string | undefined): string {
  if (!ip) return '';
  return ip.includes(':') ? `[${ip}]:` : `${ip}:`;
}

/** `docker ps` PORTS: `127.0.0.1:32768->6379/tcp, [::1]:32768->6379/tcp, 9000/tcp`. */
export function formatPorts(ports: WirePort[]): string {
  return ports
    .map((p) =>
      p.PublicPort
        ? `${hostPart(p.IP)}${p.PublicPort}->${p.PrivatePort}/${p.Type}`
        : `${p.PrivatePort}/${p.Type}`,
    )
    .join(', ');
}
