import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  macForIpv4,
  parseCidr,
  parseIpv4,
  usableRange,
} from './ipv4.js';

describe('ipv4', () => {
  it('parses and formats addresses', () => {
    expect(parseIpv4('10.210.3.7')).toBe(0x0ad20307);
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(parseIpv4('10.210.3')).toBeUndefined();
    expect(parseIpv4('10.210.3.256')).toBeUndefined();
    expect(parseIpv4('::1')).toBeUndefined();
  });

  it('parses CIDRs, rejecting host bits in strict mode', () => {
    expect(formatCidr(parseCidr('10.210.3.0/24', true)!)).toBe('10.210.3.0/24');
    expect(parseCidr('10.210.3.1/24', true)).toBeUndefined();
    expect(formatCidr(parseCidr('10.210.3.1/24')!)).toBe('10.210.3.0/24');
    expect(parseCidr('10.210.3.0/33')).toBeUndefined();
    expect(parseCidr('10.210.3.0')).toBeUndefined();
    expect(parseCidr('10.210.3.0/x')).toBeUndefined();
    expect(formatCidr(parseCidr('0.0.0.0/0')!)).toBe('0.0.0.0/0');
  });

  it('detects overlap and containment', () => {
    const a = parseCidr('10.210.0.0/16')!;
    const b = parseCidr('10.210.7.0/24')!;
    const c = parseCidr('10.211.0.0/24')!;
    expect(cidrsOverlap(a, b)).toBe(true);
    expect(cidrsOverlap(b, a)).toBe(true);
    expect(cidrsOverlap(a, c)).toBe(false);
    expect(cidrContains(b, parseIpv4('10.210.7.200')!)).toBe(true);
    expect(cidrContains(b, parseIpv4('10.210.8.1')!)).toBe(false);
  });

  it('excludes network and broadcast addresses from the usable range', () => {
    const r = usableRange(parseCidr('10.210.7.0/24')!);
    expect(formatIpv4(r.first)).toBe('10.210.7.1');
    expect(formatIpv4(r.last)).toBe('10.210.7.254');
  });

  it('derives a locally administered MAC from the address', () => {
    expect(macForIpv4(parseIpv4('10.210.7.2')!)).toBe('02:42:0a:d2:07:02');
  });
});
