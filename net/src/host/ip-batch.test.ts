import { describe, expect, it } from 'vitest';
import { hostOpLines, netnsOpLines, renderBatch } from './ip-batch.js';

describe('ip batch rendering', () => {
  it('creates the veth peer directly inside the namespace, enslaved and up in one command', () => {
    expect(
      hostOpLines({
        op: 'veth-add',
        hostName: 'skv0123456789ab',
        alias: 'skiff:e:ep:c',
        master: 'skf-1',
        netns: 'skf-e-c-1',
        peerName: 'eth0',
        peerMac: '02:42:0a:00:00:02',
      }),
    ).toEqual([
      'link add name skv0123456789ab up master skf-1 type veth peer name eth0 address 02:42:0a:00:00:02 netns skf-e-c-1',
      'link set dev skv0123456789ab alias skiff:e:ep:c',
    ]);
    expect(
      renderBatch(
        [
          { op: 'link-up', name: 'lo' },
          { op: 'default-route', via: '10.0.0.1', dev: 'eth0' },
        ],
        netnsOpLines,
      ),
    ).toBe('link set dev lo up\nroute replace default via 10.0.0.1 dev eth0\n');
  });

  it('refuses arguments that could split or inject batch commands', () => {
    expect(() => hostOpLines({ op: 'link-del', name: 'eth0\nnetns del x' })).toThrow(/unsafe ip argument/);
    expect(() => hostOpLines({ op: 'netns-add', name: 'a b' })).toThrow(/unsafe ip argument/);
  });
});
