import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DnsResolver, type ResolverNetwork } from './dns-resolver.js';
import { DnsServer } from './dns-server.js';
import { NameTable } from './name-table.js';
import { type Upstream, UpstreamForwarder } from './upstream-forwarder.js';

const logger = pino({ level: 'silent' });

/** Real UDP and TCP round trips against a resolver listening on 127.0.0.1. */
function udpQuery(
  port: number,
  name: string,
  type: 'A' | 'AAAA' | 'PTR' = 'A',
  timeoutMs = 3000,
): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer'));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(msg));
    });
    socket.send(
      dnsPacket.encode({
        type: 'query',
        id: 4242,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type, name }],
      }),
      port,
      '127.0.0.1',
    );
  });
}

function tcpQuery(port: number, name: string): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.destroy();
        resolve(dnsPacket.decode(buf.subarray(2)));
      }
    });
    socket.on('error', reject);
    socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: 'A', name }] }));
  });
}

const rcode = (p: Packet) => (p as Packet & { rcode: string }).rcode;
const addresses = (p: Packet) => (p.answers ?? []).map((a) => (a as { data: string }).data);

describe('embedded DNS resolver', () => {
  const networks = new Map<string, ResolverNetwork>([
    ['n1', { id: 'n1', name: 'app', gateway: '10.210.1.1', subnet: '10.210.1.0/24', internal: false }],
    ['n2', { id: 'n2', name: 'back', gateway: '10.210.2.1', subnet: '10.210.2.0/24', internal: false }],
    ['n3', { id: 'n3', name: 'sealed', gateway: '10.210.3.1', subnet: '10.210.3.0/24', internal: true }],
  ]);
  let table: NameTable;
  let upstreams: Upstream[];
  const servers: DnsServer[] = [];
  const sockets: ReturnType<typeof createSocket>[] = [];

  async function serve(networkId: string, forwardTimeoutMs = 300, sourceIp?: string): Promise<number> {
    const resolver = new DnsResolver(
      { table, network: (id) => networks.get(id), upstreamsFor: () => upstreams },
      new UpstreamForwarder(logger, forwardTimeoutMs),
      logger,
    );
    // Queries come from 127.0.0.1: pretend that is a container on n1 and n2.
    const from = sourceIp ?? `${networks.get(networkId)!.subnet.split('.').slice(0, 3).join('.')}.5`;
    const server = new DnsServer(
      '127.0.0.1',
      0,
      (q, _src, transport) => resolver.answer(q, networkId, from, transport),
      logger,
    );
    await server.start();
    servers.push(server);
    return server.boundPort;
  }

  beforeEach(() => {
    table = new NameTable();
    upstreams = [];
    table.add({
      containerId: 'c1',
      networkId: 'n1',
      ipAddress: '10.210.1.2',
      names: ['db', 'Postgres'],
      ptrName: 'db.app',
    });
    table.add({
      containerId: 'c2',
      networkId: 'n1',
      ipAddress: '10.210.1.3',
      names: ['db-replica', 'Postgres'],
      ptrName: 'db-replica.app',
    });
    table.add({
      containerId: 'me',
      networkId: 'n1',
      ipAddress: '10.210.1.5',
      names: ['me'],
      ptrName: 'me.app',
    });
    table.add({
      containerId: 'me',
      networkId: 'n2',
      ipAddress: '10.210.2.5',
      names: ['me'],
      ptrName: 'me.back',
    });
    table.add({
      containerId: 'c3',
      networkId: 'n2',
      ipAddress: '10.210.2.9',
      names: ['cache'],
      ptrName: 'cache.back',
    });
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const s of sockets.splice(0)) s.close();
  });

  it('answers container names case-insensitively, and all addresses of a shared alias in rotation', async () => {
    const port = await serve('n1');
    const db = await udpQuery(port, 'DB');
    expect(db).toMatchObject({ id: 4242, type: 'response' });
    expect(addresses(db)).toEqual(['10.210.1.2']);
    const first = addresses(await udpQuery(port, 'postgres'));
    const second = addresses(await udpQuery(port, 'postgres.'));
    expect(first.sort()).toEqual(['10.210.1.2', '10.210.1.3']);
    expect(second).toHaveLength(2);
    expect(addresses(await udpQuery(port, 'postgres'))[0]).not.toBe(
      addresses(await udpQuery(port, 'postgres'))[0],
    );
  });

  it('answers names of every network of the asking container, and name.network', async () => {
    const port = await serve('n1');
    expect(addresses(await udpQuery(port, 'cache'))).toEqual(['10.210.2.9']);
    expect(addresses(await udpQuery(port, 'db.app'))).toEqual(['10.210.1.2']);
  });

  it('maps host.skiff.internal, host.docker.internal and host.testcontainers.internal to the gateway', async () => {
    const port = await serve('n1');
    expect(addresses(await udpQuery(port, 'host.skiff.internal'))).toEqual(['10.210.1.1']);
    expect(addresses(await udpQuery(port, 'host.docker.internal'))).toEqual(['10.210.1.1']);
    expect(addresses(await udpQuery(port, 'host.testcontainers.internal'))).toEqual(['10.210.1.1']);
  });

  it('answers AAAA for a known name with no records instead of NXDOMAIN, and PTR', async () => {
    const port = await serve('n1');
    const aaaa = await udpQuery(port, 'db', 'AAAA');
    expect(rcode(aaaa)).toBe('NOERROR');
    expect(aaaa.answers).toEqual([]);
    const ptr = await udpQuery(port, '2.1.210.10.in-addr.arpa', 'PTR');
    expect(addresses(ptr)).toEqual(['db.app']);
  });

  it('says NXDOMAIN for other names when there is nowhere to forward, and on internal networks', async () => {
    const port = await serve('n1');
    expect(rcode(await udpQuery(port, 'example.com'))).toBe('NXDOMAIN');
    upstreams = [{ address: '127.0.0.1', port: 1 }];
    const sealed = await serve('n3');
    expect(rcode(await udpQuery(sealed, 'example.com'))).toBe('NXDOMAIN');
  });

  it('forwards other names upstream, and fails fast with SERVFAIL when the upstream is silent', async () => {
    const upstream = createSocket('udp4');
    sockets.push(upstream);
    let asked = 0;
    upstream.on('message', (msg, rinfo) => {
      asked += 1;
      const q = dnsPacket.decode(msg);
      const a = dnsPacket.encode({
        type: 'response',
        id: q.id,
        questions: q.questions,
        answers: [{ type: 'A', name: q.questions![0]!.name, data: '192.0.2.77', ttl: 5 }],
      });
      upstream.send(a, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
    upstreams = [{ address: '127.0.0.1', port: upstream.address().port }];
    const port = await serve('n1');
    expect(addresses(await udpQuery(port, 'example.com'))).toEqual(['192.0.2.77']);
    expect(asked).toBe(1);

    const silent = createSocket('udp4');
    sockets.push(silent);
    let silentAsked = 0;
    silent.on('message', () => {
      silentAsked += 1;
    });
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    upstreams = [{ address: '127.0.0.1', port: silent.address().port }];
    expect(rcode(await udpQuery(port, 'slow.example'))).toBe('SERVFAIL');
    expect(silentAsked).toBe(1);
    // The silent upstream is now skipped: the next answer does not wait for it again.
    expect(rcode(await udpQuery(port, 'slow.example'))).toBe('SERVFAIL');
    expect(silentAsked).toBe(1);
  });

  it('answers over TCP with length-prefixed messages', async () => {
    const port = await serve('n1');
    expect(addresses(await tcpQuery(port, 'db'))).toEqual(['10.210.1.2']);
  });

  it('refuses clients from outside the network it serves', async () => {
    const port = await serve('n1', 300, '10.210.2.5');
    expect(rcode(await udpQuery(port, 'db'))).toBe('REFUSED');
  });

  it('truncates long UDP answers so clients retry over TCP, where they get every address', async () => {
    for (let i = 10; i < 60; i++) {
      table.add({
        containerId: `r${i}`,
        networkId: 'n1',
        ipAddress: `10.210.1.${i}`,
        names: [`replica-${i}`, 'many'],
        ptrName: `r${i}.app`,
      });
    }
    const port = await serve('n1');
    const udp = await udpQuery(port, 'many');
    expect((udp as Packet & { flag_tc: boolean }).flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    expect(addresses(await tcpQuery(port, 'many'))).toHaveLength(50);
  });

  it('forgets a container on one network or on all', () => {
    table.remove('me', 'n2');
    expect(table.networksOf('me')).toEqual(['n1']);
    table.remove('c1');
    expect(table.lookup('n1', 'postgres')).toEqual(['10.210.1.3']);
    expect(table.lookup('n1', 'db')).toEqual([]);
  });

  it('drops garbage and answers FORMERR to an undecodable query', async () => {
    const resolver = new DnsResolver(
      { table, network: (id) => networks.get(id), upstreamsFor: () => [] },
      new UpstreamForwarder(logger),
      logger,
    );
    expect(await resolver.answer(Buffer.from([1, 2, 3]), 'n1', '10.210.1.5')).toBeUndefined();
    const bad = Buffer.alloc(14, 0xff);
    bad.writeUInt16BE(99, 0);
    const reply = await resolver.answer(bad, 'n1', '10.210.1.5');
    expect(rcode(dnsPacket.decode(reply!))).toBe('FORMERR');
  });
});
