import { describe, expect, it } from 'vitest';
import { splitCpArg } from './commands/cp.js';
import { filtersJson } from './filter-flags.js';
import { renderTemplate } from './format-template.js';
import { splitRepoTag } from './image-name.js';
import { formatPorts } from './output.js';
import { ellipsis, formatTable, shortId } from './table.js';

describe('CLI output helpers', () => {
  it('lays out tables like docker (min width 10, padding 3, last column unpadded)', () => {
    const text = formatTable(
      ['CONTAINER ID', 'IMAGE', 'NAMES'],
      [
        ['0123456789ab', 'busybox', 'web'],
        ['ba9876543210', 'redis:7', 'cache'],
      ],
    );
    expect(text).toBe(
      'CONTAINER ID   IMAGE     NAMES\n0123456789ab   busybox   web\nba9876543210   redis:7   cache\n',
    );
  });

  it('shortens IDs and commands', () => {
    expect(shortId(`sha256:${'a'.repeat(64)}`)).toBe('aaaaaaaaaaaa');
    expect(ellipsis('docker-entrypoint.sh redis-server', 20)).toBe('docker-entrypoint.s…');
  });

  it('formats ports with IPv6 hosts in brackets', () => {
    expect(
      formatPorts([
        { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 53, Type: 'udp' },
      ]),
    ).toBe('127.0.0.1:8080->80/tcp, [::1]:8080->80/tcp, 53/udp');
  });

  it('renders the --format template subset', () => {
    const v = { State: { Status: 'running', Pid: 7 }, Config: { Labels: { a: 'b' } } };
    expect(renderTemplate('{{.State.Status}} {{.State.Pid}}', v)).toBe('running 7');
    expect(renderTemplate('{{json .Config.Labels}}', v)).toBe('{"a":"b"}');
    expect(renderTemplate('{{index .Config.Labels "a"}}', v)).toBe('b');
    expect(renderTemplate('{{.Nope}}', v)).toBe('<no value>');
    expect(() => renderTemplate('{{range .X}}', v)).toThrow(/unsupported/);
  });

  it('splits names and arguments', () => {
    expect(splitRepoTag('localhost:5000/team/app:1')).toEqual({ repo: 'localhost:5000/team/app', tag: '1' });
    expect(splitRepoTag('localhost:5000/team/app')).toEqual({
      repo: 'localhost:5000/team/app',
      tag: undefined,
    });
    expect(splitCpArg('web:/etc/hosts')).toEqual({ container: 'web', path: '/etc/hosts' });
    expect(splitCpArg('/tmp/a:b')).toBeUndefined();
    expect(splitCpArg('./file')).toBeUndefined();
    expect(filtersJson(['label=a=b', 'status=running', 'label=c'])).toBe(
      '{"label":["a=b","c"],"status":["running"]}',
    );
    expect(() => filtersJson(['nonsense'])).toThrow(/bad format of filter/);
  });
});
