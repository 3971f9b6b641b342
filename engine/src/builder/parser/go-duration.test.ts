import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['250ms', 250e6],
    ['10us', 10e3],
    ['10µs', 10e3],
    ['7ns', 7],
    ['.5s', 500e6],
    ['1.s', 1e9],
    ['+2m', 120e9],
    ['-1s', -1e9],
    ['1h2m3s4ms5us6ns', 3723004005006],
    ['0.000000001s', 1],
  ])('parses %s as Go does', (input, ns) => {
    expect(parseGoDuration(input)).toBe(ns);
  });

  it.each([
    ['', /invalid duration ""/],
    ['5', /missing unit in duration "5"/],
    ['5x', /unknown unit "x"/],
    ['s', /invalid duration/],
    ['1.2.3s', /invalid duration/],
    ['.s', /invalid duration/],
    ['3000000h', /too large/],
  ])('refuses %j', (input, message) => {
    expect(() => parseGoDuration(input)).toThrow(message);
  });
});
