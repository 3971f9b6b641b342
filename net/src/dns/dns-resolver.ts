import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import type { Logger } from 'pino';
import { DNS_ONLY_HOST_ALIASES, DNS_TTL_SECONDS, HOST_ALIASES } from '../constants.js';
import { cidrContains, parseCidr, parseIpv4 } from '../ipv4.js';
import { type NameTable, normalise } from './name-table.js';
import type { Upstream, UpstreamForwarder } from './upstream-forwarder.js';

export interface ResolverNetwork {
  id: string;
  name: string;
  gateway: string;
  /** Only clients inside it are answered: the gateway is reachable from other networks too. */
  subnet: string;
  internal: boolean;
}

export type Transport = 'udp' | 'tcp';

/** RFC 1035 §4.2.1: without EDNS, a UDP answer is at most 512 bytes; longer ones are truncated (TC) so the client retries over TCP. */
const UDP_LIMIT = 512;

/** What the resolver needs from the network manager, read at query time. */
export interface ResolverContext {
  table: NameTable;
  network(id: string): ResolverNetwork | undefined;
  /** The container's own `--dns` servers, or the host's resolvers; empty disables forwarding. */
  upstreamsFor(containerId: string | undefined): Upstream[];
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const HOST_NAMES = new Set<string>([...HOST_ALIASES, ...DNS_ONLY_HOST_ALIASES]);

/**
 * The logic of Skiff's embedded DNS (like Docker's 127.0.0.11): container names, aliases and
 * hostnames on the networks of the asking container, A records only (all of them, rotated, for
 * shared aliases); `host.skiff.internal` → the gateway; anything else is forwarded upstream, except
 * on internal networks, which answer NXDOMAIN because their containers must not reach outside.
 */
export class DnsResolver {
  private rotation = 0;

  constructor(
    private readonly context: ResolverContext,
    private readonly forwarder: UpstreamForwarder,
    private readonly logger: Logger,
  ) {}

  async answer(
    raw: Buffer,
    networkId: string,
    sourceIp: string,
    transport: Transport = 'udp',
  ): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      if (raw.length < 12) return undefined;
      return reply({ id: raw.readUInt16BE(0), flags: 0, questions: [] }, RCODE.FORMERR, []);
    }
    if (query.type === 'response') return undefined;
    const question = query.questions?.[0];
    const arrival = this.context.network(networkId);
    if (!question || !arrival) return reply(query, RCODE.FORMERR, []);
    const subnet = parseCidr(arrival.subnet);
    const source = parseIpv4(sourceIp.replace(/^::ffff:/, ''));
    if (!subnet || source === undefined || !cidrContains(subnet, source)) {
      // A container of another network (or anyone else) asking this network's resolver.
      return reply(query, RCODE.REFUSED, []);
    }

    const name = normalise(question.name);
    const containerId = this.context.table.containerAt(sourceIp);
    const networks = [arrival, ...this.otherNetworks(containerId, arrival.id)];

    if (question.type === 'PTR') {
      const ip = ptrToIpv4(name);
      for (const n of ip ? networks : []) {
        const target = this.context.table.reverse(n.id, ip!);
        if (target)
          return reply(query, RCODE.NOERROR, [
            { type: 'PTR', name: question.name, ttl: DNS_TTL_SECONDS, data: target },
          ]);
      }
    } else {
      const addresses = HOST_NAMES.has(name) ? [arrival.gateway] : this.lookup(networks, name);
      if (addresses.length > 0) {
        if (question.type !== 'A') return reply(query, RCODE.NOERROR, []);
        const answers = this.rotate(addresses).map(
          (data): Answer => ({ type: 'A', name: question.name, ttl: DNS_TTL_SECONDS, data }),
        );
        const full = reply(query, RCODE.NOERROR, answers);
        if (transport === 'tcp' || full.length <= UDP_LIMIT || hasEdns(query)) return full;
        return reply(query, RCODE.NOERROR, [], dnsPacket.TRUNCATED_RESPONSE);
      }
    }

    const upstreams = arrival.internal ? [] : this.context.upstreamsFor(containerId);
    if (upstreams.length === 0) return reply(query, RCODE.NXDOMAIN, []);
    const forwarded = await this.forwarder.forward(raw, upstreams);
    if (forwarded) return forwarded;
    this.logger.debug({ name, network: arrival.name }, 'no upstream answered; SERVFAIL');
    return reply(query, RCODE.SERVFAIL, []);
  }

  private otherNetworks(containerId: string | undefined, arrivalId: string): ResolverNetwork[] {
    if (!containerId) return [];
    return this.context.table
      .networksOf(containerId)
      .filter((id) => id !== arrivalId)
      .map((id) => this.context.network(id))
      .filter((n): n is ResolverNetwork => n !== undefined);
  }

  /** A name, or `name.<network name>` (Docker answers both), on the first network that has it. */
  private lookup(networks: ResolverNetwork[], name: string): string[] {
    for (const n of networks) {
      const direct = this.context.table.lookup(n.id, name);
      if (direct.length > 0) return direct;
      const suffix = `.${n.name.toLowerCase()}`;
      if (name.endsWith(suffix)) {
        const scoped = this.context.table.lookup(n.id, name.slice(0, -suffix.length));
        if (scoped.length > 0) return scoped;
      }
    }
    return [];
  }

  /** Round-robin over shared aliases: each answer starts one further along. */
  private rotate(addresses: string[]): string[] {
    if (addresses.length < 2) return addresses;
    const k = this.rotation++ % addresses.length;
    return [...addresses.slice(k), ...addresses.slice(0, k)];
  }
}

function hasEdns(query: Packet): boolean {
  return (query.additionals ?? []).some((a) => a.type === 'OPT');
}

function reply(query: Packet, rcode: number, answers: Answer[], extraFlags = 0): Buffer {
  const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags:
      dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | recursionDesired | extraFlags | rcode,
    questions: query.questions ?? [],
    answers,
  });
}

function ptrToIpv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}
