const PORT_SPEC = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/**
 * Normalises EXPOSE words (`80`, `80/udp`, `8000-8002/tcp`) into the image config's
 * `ExposedPorts` keys (`80/tcp`, `8000/tcp`, `8001/tcp`, `8002/tcp`): ranges expanded, protocol
 * lowercased and defaulted to tcp, duplicates dropped. Throws an Error naming the bad word.
 */
export function normalizeExposedPorts(words: readonly string[]): string[] {
  const out = new Set<string>();
  for (const word of words) {
    const m = PORT_SPEC.exec(word);
    if (m === null) {
      throw new Error(`invalid port ${JSON.stringify(word)}: expected <port>[-<port>][/tcp|udp|sctp]`);
    }
    const protocol = (m[3] ?? 'tcp').toLowerCase();
    if (!PROTOCOLS.has(protocol)) {
      throw new Error(`invalid protocol in port ${JSON.stringify(word)}: expected tcp, udp or sctp`);
    }
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    for (const port of [start, end]) {
      if (port < 1 || port > 65535)
        throw new Error(`invalid port ${JSON.stringify(word)}: ports are 1 to 65535`);
    }
    if (end < start)
      throw new Error(`invalid port range ${JSON.stringify(word)}: the end is below the start`);
    for (let port = start; port <= end; port++) out.add(`${port}/${protocol}`);
  }
  return [...out];
}
