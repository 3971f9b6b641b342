import { describe, expect, it } from 'vitest';
import { toContainerUpdateInput } from './container-update-mapper.js';

/** What `docker update --memory 64m --cpus 0.5 --restart on-failure:3 x` sends (CLI 28): every field, zeros for unset. */
const CLI_BODY = {
  BlkioWeight: 0,
  CpuPeriod: 0,
  CpuQuota: 0,
  CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0,
  CpusetCpus: '',
  CpusetMems: '',
  CpuShares: 0,
  Memory: 67108864,
  MemoryReservation: 0,
  MemorySwap: 0,
  NanoCpus: 500000000,
  RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
};

describe('toContainerUpdateInput', () => {
  it('reads zeros as "unchanged" and keeps what was set', () => {
    expect(toContainerUpdateInput(CLI_BODY)).toEqual({
      input: {
        resources: { memory: 67108864, nanoCpus: 500000000 },
        restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      },
      warnings: [],
    });
  });

  it('takes PidsLimit 0 and -1 as unlimited and leaves an empty RestartPolicy alone', () => {
    expect(toContainerUpdateInput({ PidsLimit: -1, RestartPolicy: {} }).input).toEqual({
      resources: { pidsLimit: 0 },
    });
    expect(toContainerUpdateInput({ PidsLimit: 50 }).input).toEqual({ resources: { pidsLimit: 50 } });
  });

  it('warns about limits it cannot apply and refuses bad values with 400s', () => {
    expect(toContainerUpdateInput({ BlkioWeight: 300, CpusetMems: '0' }).warnings).toEqual([
      'BlkioWeight is not supported by Skiff and was ignored',
      'CpusetMems is not supported by Skiff and was ignored',
    ]);
    expect(() => toContainerUpdateInput({ Memory: -5 })).toThrow(/invalid Memory: must not be negative/);
    expect(() => toContainerUpdateInput({ Memory: '64m' })).toThrow(/invalid Memory: expected a number/);
    expect(() => toContainerUpdateInput({ NanoCpus: 1e9, CpuQuota: 50000 })).toThrow(/Conflicting options/);
    expect(() => toContainerUpdateInput({ RestartPolicy: { Name: 'sometimes' } })).toThrow(/unknown policy/);
    expect(() => toContainerUpdateInput([1])).toThrow(/JSON object/);
  });
});
