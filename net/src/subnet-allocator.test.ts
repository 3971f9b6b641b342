import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { formatCidr } from './ipv4.js';
import { chooseSubnet, occupiedRanges, parsePools } from './subnet-allocator.js';

describe('subnet allocation', () => {
  const pools = parsePools([{ base: '10.210.0.0/16', size: 24 }]);

  it('takes the first /24 of the pool on an empty host', () => {
    expect(formatCidr(chooseSubnet(pools, occupiedRanges([{ dst: 'default' }], [], []))!)).toBe(
      '10.210.0.0/24',
    );
  });

  it('skips subnets that overlap host routes, host addresses and recorded networks', () => {
    const occupied = occupiedRanges(
      [{ dst: 'default' }, { dst: '10.210.0.0/23' }, { dst: '10.210.3.7' }],
      [{ address: '10.210.2.9', prefix: 24 }],
      ['10.210.4.0/24'],
    );
    expect(formatCidr(chooseSubnet(pools, occupied)!)).toBe('10.210.5.0/24');
  });

  it('skips a pool entirely covered by a wider route', () => {
    const two = parsePools([
      { base: '10.210.0.0/16', size: 24 },
      { base: '10.99.0.0/24', size: 26 },
    ]);
    const occupied = occupiedRanges([{ dst: '10.0.0.0/8' }], [], []);
    expect(chooseSubnet(two, occupied)).toBeUndefined();
    const partly = occupiedRanges([{ dst: '10.210.0.0/16' }, { dst: '10.99.0.0/26' }], [], []);
    expect(formatCidr(chooseSubnet(two, partly)!)).toBe('10.99.0.64/26');
  });

  it('rejects malformed pool configuration', () => {
    expect(() => parsePools([{ base: '10.210.0.1/16', size: 24 }])).toThrow(InvalidArgumentError);
    expect(() => parsePools([{ base: '10.210.0.0/16', size: 8 }])).toThrow(/expected 16\.\.30/);
    expect(() => parsePools([])).toThrow(InvalidArgumentError);
  });
});
