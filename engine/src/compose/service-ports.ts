import { isIP } from 'node:net';
import { parsePortSpec } from '@skiff/net';
import type { PortConfig } from './compose-model.js';
import { PORT_KEYS } from './compose-schema.js';
import { isObj, type Path, type ProblemSink } from './compose-values.js';

/** Where a published port listens when the file names no address: loopback, never every interface. */
export const DEFAULT_HOST_IP = '127.0.0.1';

/**
 * `ports:` in short (`"127.0.0.1:8080:80/tcp"`, `"5432"`, `"9000-9001:80-81"`) and long syntax
 * (`{target, published, host_ip, protocol, app_protocol}`). Ports are published on 127.0.0.1
 * unless an address is given: a throwaway database should not listen on the LAN.
 */
export function readPorts(value: unknown, path: Path, what: string, sink: ProblemSink): PortConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    sink.invalid(path, what, 'ports must be a list');
    return [];
  }
  const out: PortConfig[] = [];
  value.forEach((item, i) => {
    const itemPath = [...path, i];
    if (typeof item === 'number' || typeof item === 'string') {
      try {
        for (const p of parsePortSpec(String(item))) {
          out.push({
            target: p.containerPort,
            published: p.hostPort,
            hostIp: p.hostIp === '' ? DEFAULT_HOST_IP : p.hostIp,
            protocol: p.protocol,
          });
        }
      } catch (err: unknown) {
        sink.invalid(itemPath, what, err instanceof Error ? err.message : String(err));
      }
      return;
    }
    if (!isObj(item)) {
      sink.invalid(itemPath, what, 'a port must be a string like "8080:80" or a mapping with target');
      return;
    }
    sink.checkKeys(item, itemPath, what, PORT_KEYS, new Set(), true);
    const target = sink.int(item.target, [...itemPath, 'target'], what, 1);
    if (item.target === undefined) sink.invalid(itemPath, what, 'a port in long syntax needs "target"');
    const publishedText = sink.str(item.published, [...itemPath, 'published'], what) ?? '0';
    if (!/^\d{1,5}$/.test(publishedText) || Number(publishedText) > 65535) {
      sink.invalid(
        [...itemPath, 'published'],
        what,
        `published must be one port number (got ${JSON.stringify(publishedText)})`,
      );
      return;
    }
    const hostIp = sink.str(item.host_ip, [...itemPath, 'host_ip'], what) ?? DEFAULT_HOST_IP;
    if (isIP(hostIp) === 0) {
      sink.invalid([...itemPath, 'host_ip'], what, `host_ip ${JSON.stringify(hostIp)} is not an IP address`);
      return;
    }
    const protocol = (sink.str(item.protocol, [...itemPath, 'protocol'], what) ?? 'tcp').toLowerCase();
    if (protocol !== 'tcp' && protocol !== 'udp') {
      sink.invalid(
        [...itemPath, 'protocol'],
        what,
        `protocol must be tcp or udp (got ${JSON.stringify(protocol)})`,
      );
      return;
    }
    const mode = sink.str(item.mode, [...itemPath, 'mode'], what);
    if (mode !== undefined && mode !== 'host' && mode !== 'ingress') {
      sink.invalid([...itemPath, 'mode'], what, `mode must be host or ingress (got ${JSON.stringify(mode)})`);
    }
    const appProtocol = sink.str(item.app_protocol, [...itemPath, 'app_protocol'], what);
    if (target === undefined) return;
    const port: PortConfig = { target, published: Number(publishedText), hostIp, protocol };
    if (appProtocol) port.appProtocol = appProtocol;
    out.push(port);
  });
  return out;
}
