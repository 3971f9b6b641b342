import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { parsePortSpec } from './parse-port-spec.js';

describe('parsePortSpec', () => {
  it('parses the docker -p forms', () => {
    expect(parsePortSpec('80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }]);
    expect(parsePortSpec('8080:80/tcp')).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 },
    ]);
    expect(parsePortSpec('53/udp')).toEqual([
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 0 },
    ]);
    expect(parsePortSpec('127.0.0.1::80')).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 },
    ]);
    expect(parsePortSpec('0.0.0.0:8080:80/UDP')).toEqual([
      { containerPort: 80, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 8080 },
    ]);
    expect(parsePortSpec('[::1]:8080:80')[0]).toMatchObject({ hostIp: '::1', hostPort: 8080 });
    expect(parsePortSpec('::1:8080:80')[0]).toMatchObject({ hostIp: '::1', hostPort: 8080 });
  });

  it('expands ranges pairwise', () => {
    expect(parsePortSpec('8000-8001:80-81').map((p) => [p.hostPort, p.containerPort])).toEqual([
      [8000, 80],
      [8001, 81],
    ]);
    expect(parsePortSpec('80-82').map((p) => p.hostPort)).toEqual([0, 0, 0]);
  });

  it('rejects malformed specs, naming the bad part', () => {
    expect(() => parsePortSpec('80/sctp')).toThrow(/"sctp"/);
    expect(() => parsePortSpec('70000')).toThrow(/container port "70000"/);
    expect(() => parsePortSpec('0')).toThrow(InvalidArgumentError);
    expect(() => parsePortSpec('abc:80')).toThrow(/host port "abc"/);
    expect(() => parsePortSpec('1.2.3:80:80')).toThrow(/host IP "1.2.3"/);
    expect(() => parsePortSpec('8000-8002:80-81')).toThrow(/as many ports/);
  });
});
