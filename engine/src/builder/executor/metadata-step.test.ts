import { describe, expect, it } from 'vitest';
import type { ChangeState } from '../../images/config-changes.js';
import type { ImageRunConfig } from '../../images/image-config.js';
import { StageVariables } from '../expand/stage-variables.js';
import { parseInstructions } from '../parser/parse-dockerfile.js';
import { metadataStep } from './metadata-step.js';

function step(line: string, config: ImageRunConfig = {}, state: ChangeState = { cmdSet: false }) {
  const vars = new StageVariables({
    escapeChar: '\\',
    baseEnv: config.Env ?? [],
    buildArgs: new Map(),
    globalArgs: new Map(),
  });
  const [instruction] = parseInstructions(line);
  if (!instruction) throw new Error(line);
  return metadataStep(config, vars.step(instruction), state);
}

describe('metadata steps', () => {
  it('change the config through config-changes and write moby’s history text', () => {
    expect(step('ENV A=1 B="two words"')).toMatchObject({
      runConfig: { Env: ['A=1', 'B=two words'] },
      createdBy: '/bin/sh -c #(nop)  ENV A=1 B=two words',
    });
    expect(step('CMD redis-server --port 7777')).toMatchObject({
      runConfig: { Cmd: ['/bin/sh', '-c', 'redis-server --port 7777'] },
      createdBy: '/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "redis-server --port 7777"]',
    });
    expect(step('EXPOSE 6379').createdBy).toBe('/bin/sh -c #(nop)  EXPOSE 6379/tcp');
    expect(step('STOPSIGNAL SIGINT').runConfig.StopSignal).toBe('SIGINT');
    expect(step('ARG VERSION=1').createdBy).toBe('/bin/sh -c #(nop)  ARG VERSION=1');
    expect(step('MAINTAINER ops <ops@example.com>')).toMatchObject({ author: 'ops <ops@example.com>' });
    expect(step('ONBUILD RUN make').runConfig.OnBuild).toEqual(['RUN make']);
    expect(step('HEALTHCHECK NONE').runConfig.Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('uses the image SHELL in history and shell-form commands', () => {
    const shell = { Shell: ['/bin/bash', '-o', 'pipefail', '-c'] };
    expect(step('ENTRYPOINT exec app', shell)).toMatchObject({
      runConfig: { Entrypoint: ['/bin/bash', '-o', 'pipefail', '-c', 'exec app'], Cmd: null },
      createdBy: '/bin/bash -o pipefail -c #(nop)  ENTRYPOINT ["/bin/bash" "-o" "pipefail" "-c" "exec app"]',
    });
  });

  it('keys ENTRYPOINT on whether CMD was set earlier in the stage (it then keeps the CMD)', () => {
    const base = { Cmd: ['sh'] };
    expect(step('ENTRYPOINT ["x"]', base, { cmdSet: false })).toMatchObject({
      runConfig: { Cmd: null },
      extra: ['cmd-set=false'],
    });
    expect(step('ENTRYPOINT ["x"]', base, { cmdSet: true })).toMatchObject({
      runConfig: { Cmd: ['sh'] },
      extra: ['cmd-set=true'],
    });
  });
});
