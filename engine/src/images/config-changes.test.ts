import { describe, expect, it } from 'vitest';
import { applyConfigChange, applyConfigChanges, parseChange } from './config-changes.js';
import type { ImageRunConfig } from './image-config.js';

const SECOND = 1_000_000_000;

describe('applyConfigChanges', () => {
  it('sets CMD and ENTRYPOINT in JSON and shell form', () => {
    expect(applyConfigChanges({}, ['CMD ["nginx", "-g", "daemon off;"]']).Cmd).toEqual([
      'nginx',
      '-g',
      'daemon off;',
    ]);
    expect(applyConfigChanges({}, ['CMD echo "hi there"']).Cmd).toEqual(['/bin/sh', '-c', 'echo "hi there"']);
    expect(applyConfigChanges({}, ['entrypoint ["/init"]']).Entrypoint).toEqual(['/init']);
  });

  it('runs shell forms through SHELL', () => {
    const c = applyConfigChanges({}, ['SHELL ["/bin/bash", "-ec"]', 'CMD make test']);
    expect(c.Shell).toEqual(['/bin/bash', '-ec']);
    expect(c.Cmd).toEqual(['/bin/bash', '-ec', 'make test']);
  });

  it('clears an inherited CMD on ENTRYPOINT unless a CMD change came first', () => {
    const base: ImageRunConfig = { Cmd: ['sh'] };
    expect(applyConfigChanges(base, ['ENTRYPOINT ["/init"]']).Cmd).toBeNull();
    expect(applyConfigChanges(base, ['CMD ["serve"]', 'ENTRYPOINT ["/init"]']).Cmd).toEqual(['serve']);
    expect(applyConfigChanges(base, ['ENTRYPOINT ["/init"]', 'CMD ["serve"]']).Cmd).toEqual(['serve']);
  });

  it('sets ENV in key=value and legacy form, replacing variables in place and expanding references', () => {
    const base: ImageRunConfig = { Env: ['PATH=/usr/bin', 'HOME=/root'] };
    const c = applyConfigChanges(base, [
      'ENV PATH=$PATH:/opt/bin GREETING="hello world"',
      'ENV LEGACY some value with spaces',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax, not a JS template.
      'ENV QUOTED=${GREETING}!',
    ]);
    expect(c.Env).toEqual([
      'PATH=/usr/bin:/opt/bin',
      'HOME=/root',
      'GREETING=hello world',
      'LEGACY=some value with spaces',
      'QUOTED=hello world!',
    ]);
    expect(base.Env).toEqual(['PATH=/usr/bin', 'HOME=/root']);
  });

  it('merges LABEL, EXPOSE (ranges, protocols) and VOLUME', () => {
    const c = applyConfigChanges({ Labels: { a: '1' }, ExposedPorts: { '22/tcp': {} } }, [
      'LABEL b=2 "c d"="e f"',
      'EXPOSE 80 53/udp 8000-8002',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
    ]);
    expect(c.Labels).toEqual({ a: '1', b: '2', 'c d': 'e f' });
    expect(Object.keys(c.ExposedPorts ?? {}).sort()).toEqual([
      '22/tcp',
      '53/udp',
      '80/tcp',
      '8000/tcp',
      '8001/tcp',
      '8002/tcp',
    ]);
    expect(c.Volumes).toEqual({ '/data': {}, '/logs': {}, '/cache': {} });
  });

  it('resolves WORKDIR relative to the previous one', () => {
    expect(applyConfigChanges({}, ['WORKDIR app']).WorkingDir).toBe('/app');
    expect(applyConfigChanges({ WorkingDir: '/srv' }, ['WORKDIR app', 'WORKDIR ../lib']).WorkingDir).toBe(
      '/srv/lib',
    );
    expect(applyConfigChanges({ WorkingDir: '/srv' }, ['WORKDIR /opt/x/']).WorkingDir).toBe('/opt/x');
  });

  it('sets USER, STOPSIGNAL and ONBUILD', () => {
    const c = applyConfigChanges({}, [
      'USER 1000:1000',
      'STOPSIGNAL SIGQUIT',
      'ONBUILD RUN make',
      'ONBUILD COPY . /src',
    ]);
    expect(c.User).toBe('1000:1000');
    expect(c.StopSignal).toBe('SIGQUIT');
    expect(c.OnBuild).toEqual(['RUN make', 'COPY . /src']);
  });

  it('sets HEALTHCHECK with its options, and NONE', () => {
    const c = applyConfigChanges({}, [
      'HEALTHCHECK --interval=5s --timeout=1m30s --start-period=100ms --retries=4 CMD curl -f http://localhost/',
    ]);
    expect(c.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'curl -f http://localhost/'],
      Interval: 5 * SECOND,
      Timeout: 90 * SECOND,
      StartPeriod: 100_000_000,
      Retries: 4,
    });
    expect(applyConfigChanges(c, ['HEALTHCHECK CMD ["/check"]']).Healthcheck).toEqual({
      Test: ['CMD', '/check'],
    });
    expect(applyConfigChanges(c, ['HEALTHCHECK NONE']).Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('rejects what --change cannot do, naming the change and what was expected', () => {
    expect(() => applyConfigChanges({}, ['RUN make'])).toThrow(
      /invalid change "RUN make": RUN is not a valid change command; expected one of CMD, ENTRYPOINT/,
    );
    expect(() => applyConfigChanges({}, ['FROM scratch'])).toThrow(/FROM is not a valid change command/);
    expect(() => applyConfigChanges({}, ['BOGUS x'])).toThrow(/invalid change "BOGUS x"/);
    expect(() => applyConfigChanges({}, ['EXPOSE 99999'])).toThrow(/invalid change "EXPOSE 99999":.*65535/);
    expect(() => applyConfigChanges({}, ['STOPSIGNAL SIGNOPE'])).toThrow(
      /invalid change "STOPSIGNAL SIGNOPE"/,
    );
    expect(() => applyConfigChanges({}, ['HEALTHCHECK --bogus=1 CMD x'])).toThrow(/invalid change .*bogus/);
    expect(() => applyConfigChanges({}, ['SHELL /bin/bash'])).toThrow(/invalid change "SHELL \/bin\/bash"/);
    expect(() => applyConfigChanges({}, [''])).toThrow(/invalid change "": it is empty/);
    expect(() => applyConfigChanges({}, ['CMD a\nCMD b'])).toThrow(/one instruction per change/);
    try {
      applyConfigChanges({}, ['RUN make']);
    } catch (err) {
      expect(err).toMatchObject({ code: 'SKIFF_INVALID_ARGUMENT' });
    }
  });
});

describe('parseChange and applyConfigChange', () => {
  it('gives the builder structured changes it can apply one by one', () => {
    const change = parseChange('ENV A=$B', (name) => (name === 'B' ? 'b' : undefined));
    expect(change).toEqual({ kind: 'ENV', pairs: [{ key: 'A', value: 'b' }] });
    const state = { cmdSet: false };
    const cfg = applyConfigChange(
      { Cmd: ['x'] },
      { kind: 'CMD', command: { form: 'exec', args: ['y'] } },
      state,
    );
    expect(state.cmdSet).toBe(true);
    expect(
      applyConfigChange(cfg, { kind: 'ENTRYPOINT', command: { form: 'exec', args: ['e'] } }, state).Cmd,
    ).toEqual(['y']);
  });
});
