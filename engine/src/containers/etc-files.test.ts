import { describe, expect, it } from 'vitest';
import { containerResolvConf, etcFilesFor, extraHostLines } from './etc-files.js';

const none = { dns: [], dnsSearch: [], dnsOptions: [] };

describe('etc files', () => {
  it('drops loopback resolvers from the host resolv.conf and falls back to public ones', () => {
    const host = 'nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example\noptions ndots:2\n';
    expect(containerResolvConf(host, none, false)).toBe(
      'nameserver 10.0.0.2\nsearch corp.example\noptions ndots:2\n',
    );
    expect(containerResolvConf('nameserver 127.0.0.1\n', none, false)).toBe(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
    expect(containerResolvConf('nameserver 127.0.0.1\n', none, true)).toBe('nameserver 127.0.0.1\n');
    expect(containerResolvConf(host, { dns: ['1.1.1.1'], dnsSearch: ['x'], dnsOptions: [] }, false)).toBe(
      'nameserver 1.1.1.1\nsearch x\noptions ndots:2\n',
    );
  });

  it('writes extra hosts, with host-gateway and bracketed IPv6', () => {
    expect(extraHostLines(['db:10.1.1.1', 'gw:host-gateway', 'v6:[::1]'], '127.0.0.1')).toEqual([
      '10.1.1.1\tdb',
      '127.0.0.1\tgw',
      '::1\tv6',
    ]);
    expect(() => extraHostLines(['nocolon'], '127.0.0.1')).toThrow(/expected name:ip/);
  });

  it('gives network none the default hosts and host mode the host files', async () => {
    const files: Record<string, string> = {
      '/etc/hosts': '127.0.0.1 localhost\n10.0.0.5 myhost\n',
      '/etc/resolv.conf': 'nameserver 127.0.0.1\n',
    };
    const readHostFile = async (p: string) => files[p] ?? '';
    const isolated = await etcFilesFor('none', {
      hostname: 'abc',
      domainname: 'd.example',
      extraHosts: [],
      resolv: none,
      readHostFile,
    });
    expect(isolated.hosts).toMatch(/^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
    expect(isolated.hostname).toBe('abc.d.example\n');
    const host = await etcFilesFor('host', {
      hostname: 'h',
      domainname: '',
      extraHosts: ['x:1.2.3.4'],
      resolv: none,
      readHostFile,
    });
    expect(host.hosts).toBe('127.0.0.1 localhost\n10.0.0.5 myhost\n1.2.3.4\tx\n');
    expect(host.resolvConf).toBe('nameserver 127.0.0.1\n');
  });
});
