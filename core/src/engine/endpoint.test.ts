import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseEngineHost } from './endpoint.js';

describe('parseEngineHost', () => {
  it('reads unix URLs and bare paths', () => {
    expect(parseEngineHost('unix:///run/skiff/skiff.sock')).toEqual({
      kind: 'unix',
      socketPath: '/run/skiff/skiff.sock',
    });
    expect(parseEngineHost('/var/run/docker.sock')).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
  });

  it('reads tcp and http(s) addresses with default ports', () => {
    expect(parseEngineHost('tcp://docker:2375')).toEqual({
      kind: 'tcp',
      host: 'docker',
      port: 2375,
      tls: undefined,
    });
    expect(parseEngineHost('tcp://10.0.0.1')).toMatchObject({ port: 2375 });
    expect(parseEngineHost('https://remote')).toMatchObject({ port: 2376 });
    expect(parseEngineHost('tcp://[::1]:2375')).toMatchObject({ host: '::1' });
  });

  it('rejects anything else with the value in the message', () => {
    expect(() => parseEngineHost('ssh://user@box')).toThrow(/"ssh:\/\/user@box"/);
  });

  it('formats for humans', () => {
    expect(formatEndpoint(parseEngineHost('/x.sock'))).toBe('unix:///x.sock');
  });
});
