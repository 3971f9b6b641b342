// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile syntax, not JS templates
import { describe, expect, it } from 'vitest';
import type { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';
import type { Instruction } from '../instruction.js';
import { parseDockerfile } from '../parser/parse-dockerfile.js';
import { StageVariables, type StageVariablesOptions } from './stage-variables.js';

function stage(text: string, options: Partial<StageVariablesOptions> = {}) {
  const df = parseDockerfile(`FROM scratch\n${text}\n`);
  const vars = new StageVariables({
    escapeChar: df.escapeChar,
    baseEnv: [],
    buildArgs: new Map(),
    globalArgs: new Map(),
    ...options,
  });
  const resolved = (df.stages[0]?.instructions ?? []).map((i) => vars.step(i));
  return { vars, resolved };
}

function last(text: string, options: Partial<StageVariablesOptions> = {}): Instruction {
  const { resolved } = stage(text, options);
  return resolved[resolved.length - 1] as Instruction;
}

describe('StageVariables', () => {
  it('starts from the base image Env and lets ENV replace in place or append', () => {
    const { vars } = stage('ENV PATH=/opt/bin:$PATH NEW=1', {
      baseEnv: ['PATH=/usr/bin', 'LANG=C.UTF-8', 'FLAG'],
    });
    expect(vars.environment).toEqual(['PATH=/opt/bin:/usr/bin', 'LANG=C.UTF-8', 'FLAG=', 'NEW=1']);
  });

  it('expands every reference in one instruction with the values from before it', () => {
    const { vars } = stage('ENV a=1\nENV a=2 b=$a');
    expect(vars.environment).toEqual(['a=2', 'b=1']);
  });

  it('removes quotes and escapes from ENV and LABEL values', () => {
    expect(last('ENV A="two words" B=\'$lit\' C=x\\ y D=${UNSET:-dflt}')).toMatchObject({
      pairs: [
        { key: 'A', value: 'two words' },
        { key: 'B', value: '$lit' },
        { key: 'C', value: 'x y' },
        { key: 'D', value: 'dflt' },
      ],
    });
    expect(
      last('ARG V=1.2\nLABEL "org.opencontainers.image.version"="$V" desc="a \\"quoted\\" word"'),
    ).toMatchObject({
      pairs: [
        { key: 'org.opencontainers.image.version', value: '1.2' },
        { key: 'desc', value: 'a "quoted" word' },
      ],
    });
  });

  it('scopes ARGs from their declaration and lets --build-arg override defaults', () => {
    const buildArgs = new Map([['VERSION', '2.0']]);
    const { resolved } = stage(
      'WORKDIR /v$VERSION\nARG VERSION=1.0\nWORKDIR /v$VERSION\nARG OTHER=x\nWORKDIR /$OTHER',
      {
        buildArgs,
      },
    );
    expect(resolved.map((i) => (i.kind === 'WORKDIR' ? i.path : i.kind))).toEqual([
      '/v',
      'ARG',
      '/v2.0',
      'ARG',
      '/x',
    ]);
  });

  it('lets ENV override an ARG of the same name, whichever comes first', () => {
    expect(last('ARG X=arg\nENV X=env\nUSER $X')).toMatchObject({ user: 'env' });
    expect(last('ENV X=env\nARG X=arg\nUSER $X')).toMatchObject({ user: 'env' });
  });

  it('inherits global ARG values only through a bare redeclaration', () => {
    const globalArgs = new Map<string, string | undefined>([['VERSION', '3.1']]);
    expect(last('USER u$VERSION', { globalArgs })).toMatchObject({ user: 'u' });
    expect(last('ARG VERSION\nUSER u$VERSION', { globalArgs })).toMatchObject({ user: 'u3.1' });
    expect(last('ARG VERSION=own\nUSER u$VERSION', { globalArgs })).toMatchObject({ user: 'uown' });
  });

  it('makes proxy build args usable without a declaration', () => {
    const buildArgs = new Map([
      ['HTTP_PROXY', 'http://proxy:3128'],
      ['SECRET', 'undeclared'],
    ]);
    expect(last('ENV P=$HTTP_PROXY S=$SECRET', { buildArgs })).toMatchObject({
      pairs: [
        { key: 'P', value: 'http://proxy:3128' },
        { key: 'S', value: '' },
      ],
    });
  });

  it('gives RUN the ENV plus unshadowed ARGs and proxy args, and the cache key only declared ARGs', () => {
    const buildArgs = new Map([
      ['https_proxy', 'http://p:1'],
      ['B', 'given'],
    ]);
    const { vars } = stage('ARG B\nARG A=1\nARG UNSET\nARG SHADOWED=arg\nENV SHADOWED=env', {
      baseEnv: ['PATH=/bin'],
      buildArgs,
    });
    expect(vars.runEnvironment()).toEqual([
      'PATH=/bin',
      'SHADOWED=env',
      'B=given',
      'A=1',
      'https_proxy=http://p:1',
    ]);
    expect(vars.cacheArgs()).toEqual(['A=1', 'B=given']);
    expect(vars.declaredArgs).toEqual(['B', 'A', 'UNSET', 'SHADOWED']);
  });

  it('expands ARG defaults with earlier values and reports required values', () => {
    expect(stage('ARG A=1\nARG B=${A}0 C=$B').vars.runEnvironment()).toEqual(['A=1', 'B=10', 'C=']);
    const err = (() => {
      try {
        stage('\n\nARG TOKEN\nRUN true\nENV T="${TOKEN:?set --build-arg TOKEN}"');
      } catch (e: unknown) {
        return e as DockerfileSyntaxError;
      }
      throw new Error('no error');
    })();
    expect(err.message).toBe('Dockerfile:6:1: ENV: TOKEN: set --build-arg TOKEN');
  });

  it('expands COPY and ADD sources, destination and flags, and heredoc bodies unless quoted', () => {
    const copy = last(
      'ARG APP=web\nARG UID=1000\nENV DIR=/srv\nCOPY --chown=$UID:$UID --chmod=755 --exclude=$APP/*.md ${APP}/dist/ $DIR/$APP/',
    );
    expect(copy).toMatchObject({
      chown: '1000:1000',
      chmod: '755',
      exclude: ['web/*.md'],
      sources: [{ kind: 'path', path: 'web/dist/' }],
      dest: '/srv/web/',
    });
    const heredocs = last(
      'ENV NAME=world\nCOPY <<a.txt <<"b.txt" /out/\nhello $NAME "q"\na.txt\nhello $NAME\nb.txt',
    );
    expect(heredocs).toMatchObject({
      sources: [
        { kind: 'heredoc', heredoc: { name: 'a.txt', content: 'hello world "q"\n' } },
        { kind: 'heredoc', heredoc: { name: 'b.txt', content: 'hello $NAME\n' } },
      ],
    });
  });

  it('expands COPY --from with ARGs only', () => {
    expect(last('ARG SRC=builder\nENV SRC=ignored\nCOPY --from=$SRC /a /b')).toMatchObject({
      from: 'builder',
    });
  });

  it('validates values that only exist after expansion', () => {
    const bad = (text: string) => () => stage(text);
    expect(bad('ARG M=999\nCOPY --chmod=$M a b')).toThrow('COPY: invalid --chmod=999');
    expect(bad('COPY a b c')).toThrow(
      'with more than one source the destination must be a directory and end with a /',
    );
    expect(bad('ARG S=SIGNOPE\nSTOPSIGNAL $S')).toThrow('STOPSIGNAL: invalid signal "SIGNOPE"');
    expect(bad('EXPOSE 80/tcpx')).toThrow('EXPOSE: invalid protocol in port "80/tcpx"');
    expect(bad('EXPOSE 70000')).toThrow('ports are 1 to 65535');
    expect(bad('WORKDIR $NOTHING')).toThrow('WORKDIR: $NOTHING expands to an empty path');
    expect(bad('VOLUME ["$NOTHING"]')).toThrow('expands to an empty path');
  });

  it('normalises EXPOSE, splitting variables into several ports and expanding ranges', () => {
    expect(last('ARG PORTS="80 443"\nEXPOSE $PORTS 53/UDP 8000-8002 80')).toMatchObject({
      ports: ['80/tcp', '443/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp'],
    });
  });

  it('accepts signal names with or without SIG, numbers and realtime signals', () => {
    for (const s of ['SIGTERM', 'quit', '9', 'SIGRTMIN+3', 'RTMAX-1']) {
      expect(last(`STOPSIGNAL ${s}`)).toMatchObject({ signal: s });
    }
    expect(() => last('STOPSIGNAL 0')).toThrow('signal numbers are 1 to 64');
  });

  it('leaves RUN, CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD to the shell or the child build', () => {
    const text =
      'ENV X=1\nRUN echo $X\nCMD echo $X\nENTRYPOINT ["$X"]\nHEALTHCHECK CMD test $X\nONBUILD RUN echo $X';
    const { resolved } = stage(text);
    expect(resolved.slice(1).map((i) => i.original)).toEqual(text.split('\n').slice(1));
    expect(resolved[1]).toMatchObject({ command: { command: 'echo $X' } });
    expect(resolved[5]).toMatchObject({ expression: 'RUN echo $X' });
  });

  it('uses the escape directive for expansion', () => {
    const df = parseDockerfile('# escape=`\nFROM scratch\nENV P=C:\\Program` Files\\$X W="`$X"\n');
    const vars = new StageVariables({
      escapeChar: df.escapeChar,
      baseEnv: ['X=x'],
      buildArgs: new Map(),
      globalArgs: new Map(),
    });
    expect(vars.step(df.stages[0]?.instructions[0] as Instruction)).toMatchObject({
      pairs: [
        { key: 'P', value: 'C:\\Program Files\\x' },
        { key: 'W', value: '$X' },
      ],
    });
  });

  it('resolves FROM with the global ARGs only', () => {
    const df = parseDockerfile('ARG TAG\nFROM --platform=$P alpine:$TAG\n');
    const vars = new StageVariables({
      escapeChar: '\\',
      baseEnv: ['TAG=env'],
      buildArgs: new Map(),
      globalArgs: new Map([
        ['TAG', '3.20'],
        ['P', 'linux/arm64'],
      ]),
    });
    expect(vars.step(df.stages[0]?.from as Instruction)).toMatchObject({
      image: 'alpine:3.20',
      platform: 'linux/arm64',
    });
  });
});
