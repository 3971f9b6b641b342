import { describe, expect, it } from 'vitest';
import type { Dockerfile } from '../dockerfile.js';
import { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';
import type { Instruction, InstructionKind, InstructionOf } from '../instruction.js';
import { parseDockerfile, parseInstructions } from './parse-dockerfile.js';

function syntaxError(text: string, file?: string): DockerfileSyntaxError {
  try {
    parseDockerfile(text, file === undefined ? {} : { file });
  } catch (err: unknown) {
    if (err instanceof DockerfileSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a DockerfileSyntaxError');
}

function only<K extends InstructionKind>(df: Dockerfile, kind: K): InstructionOf<K> {
  const found = df.stages
    .flatMap((s) => s.instructions)
    .filter((i): i is InstructionOf<K> => i.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as InstructionOf<K>;
}

function parseOne<K extends InstructionKind>(line: string, kind: K): InstructionOf<K> {
  return only(parseDockerfile(`FROM scratch\n${line}\n`), kind);
}

describe('parseDockerfile: structure', () => {
  it('splits stages at FROM and keeps global ARGs apart', () => {
    const df = parseDockerfile('ARG V=1\nFROM alpine:$V AS Base\nRUN true\nFROM base\nCMD ["sh"]\n');
    expect(df.globalArgs.map((a) => a.original)).toEqual(['ARG V=1']);
    expect(df.stages.map((s) => [s.index, s.name, s.from.image, s.instructions.map((i) => i.kind)])).toEqual([
      [0, 'base', 'alpine:$V', ['RUN']],
      [1, undefined, 'base', ['CMD']],
    ]);
  });

  it('treats instruction keywords case-insensitively and ignores leading whitespace', () => {
    const df = parseDockerfile('from scratch\n   run echo hi\n\tCoPy a b\n');
    expect(df.stages[0]?.instructions.map((i) => i.kind)).toEqual(['RUN', 'COPY']);
    expect(df.stages[0]?.instructions[1]?.location).toEqual({
      file: 'Dockerfile',
      startLine: 3,
      column: 2,
      endLine: 3,
    });
  });

  it('skips comments and blank lines and strips a BOM and CRLF endings', () => {
    const df = parseDockerfile(
      '\uFEFF# a comment\r\n\r\nFROM scratch\r\n  # indented comment\r\nUSER me\r\n',
    );
    expect(only(df, 'USER').user).toBe('me');
  });

  it('treats # as a comment only at the start of a line', () => {
    expect(parseOne('RUN echo hi # not a comment', 'RUN').command).toEqual({
      form: 'shell',
      command: 'echo hi # not a comment',
    });
  });

  it('joins continuation lines and drops comment and blank lines inside them, with a warning for blanks', () => {
    const df = parseDockerfile(
      'FROM scratch\nRUN apt-get update && \\\n# a comment\n\n    apt-get install -y curl\nUSER x\n',
    );
    const run = only(df, 'RUN');
    expect(run.command).toEqual({ form: 'shell', command: 'apt-get update &&     apt-get install -y curl' });
    expect(run.location).toEqual({ file: 'Dockerfile', startLine: 2, column: 1, endLine: 5 });
    expect(df.warnings).toEqual([
      expect.objectContaining({ line: 4, message: expect.stringMatching(/empty continuation line/) }),
    ]);
  });

  it('accepts spaces after the continuation character', () => {
    expect(parseOne('RUN a \\  \n b', 'RUN').command).toEqual({ form: 'shell', command: 'a  b' });
  });

  it('reports positions inside continuation lines', () => {
    const err = syntaxError('FROM scratch\nCOPY \\\n  --chwon=1 a b\n');
    expect(err.message).toBe('Dockerfile:3:3: unknown flag --chwon for COPY (did you mean --chown?)');
  });

  it('returns the original text of each instruction for history and cache keys', () => {
    expect(parseOne('  RUN --network=none \\\n make', 'RUN').original).toBe('RUN --network=none  make');
  });
});

describe('parseDockerfile: parser directives', () => {
  it('reads syntax, escape and check at the top, keys in any case', () => {
    const df = parseDockerfile(
      '# syntax=docker/dockerfile:1\n#ESCAPE=`\n# check = skip=JSONArgsRecommended,StageNameCasing;error=true\nFROM scratch\n',
    );
    expect(df.directives).toEqual({
      syntax: 'docker/dockerfile:1',
      escape: '`',
      check: { skip: ['JSONArgsRecommended', 'StageNameCasing'], error: true },
    });
    expect(df.escapeChar).toBe('`');
  });

  it('accepts whitespace around directive keys and before the #', () => {
    expect(parseDockerfile('  #\tescape = `\nFROM scratch\n').escapeChar).toBe('`');
  });

  it('ignores directives after a comment, a blank line or an unknown directive', () => {
    for (const prefix of ['# hello\n', '\n', '# unknowndirective=x\n', 'FROM scratch\n']) {
      const df = parseDockerfile(`${prefix}# escape=\`\nFROM scratch\nRUN a \\\n b\n`);
      expect(df.escapeChar).toBe('\\');
    }
  });

  it('refuses a repeated directive and an invalid escape character', () => {
    expect(syntaxError('# escape=\\\n# escape=`\nFROM scratch\n').message).toBe(
      'Dockerfile:2:1: only one escape parser directive can be used',
    );
    expect(syntaxError('# escape=x\nFROM scratch\n').message).toMatch(
      /^Dockerfile:1:1: invalid escape character "x"/,
    );
    expect(syntaxError('# check=skip=all;fail=true\nFROM scratch\n').message).toMatch(
      /invalid check directive/,
    );
  });

  it('uses the backquote for continuations with escape=`, leaving backslashes literal', () => {
    const df = parseDockerfile(
      '# escape=`\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\\ `\n  /s\n',
    );
    const [copy, run] = df.stages[0]?.instructions ?? [];
    expect(copy).toMatchObject({ kind: 'COPY', dest: 'c:\\' });
    expect(run).toMatchObject({ kind: 'RUN', command: { form: 'shell', command: 'dir c:\\   /s' } });
  });
});

describe('parseDockerfile: errors', () => {
  it('names an unknown instruction with a suggestion', () => {
    expect(syntaxError('FROM scratch\n\n\n\n\n\nRUNN echo\n').message).toBe(
      'Dockerfile:7:1: unknown instruction: RUNN (did you mean RUN?)',
    );
    expect(syntaxError('FROM scratch\n  frobnicate\n').message).toBe(
      'Dockerfile:2:3: unknown instruction: frobnicate',
    );
  });

  it('uses the file name given', () => {
    expect(syntaxError('FRM x', 'build/app.Dockerfile').message).toBe(
      'build/app.Dockerfile:1:1: unknown instruction: FRM (did you mean FROM?)',
    );
  });

  it('requires FROM, with only ARG before it', () => {
    expect(syntaxError('').message).toMatch(/^Dockerfile:1:1: the Dockerfile has no instructions/);
    expect(syntaxError('# just a comment\n').message).toMatch(/no instructions/);
    expect(syntaxError('ARG A\nARG B\n').message).toBe(
      'Dockerfile:2:1: no FROM instruction: a Dockerfile needs a FROM after its global ARGs',
    );
    expect(syntaxError('ARG A\nRUN x\nFROM scratch\n').message).toBe(
      'Dockerfile:2:1: RUN before the first FROM: only ARG instructions may come before FROM',
    );
  });

  it('refuses a line continuation that runs into the end of the file', () => {
    expect(syntaxError('FROM scratch\nRUN echo \\').message).toMatch(
      /^Dockerfile:2:10: unexpected end of file/,
    );
    expect(syntaxError('FROM scratch\nRUN echo \\\n\n# c\n').message).toMatch(
      /^Dockerfile:2:10: unexpected end of file/,
    );
  });

  it('accepts stage names with digits, dashes, dots and underscores, lowercasing them', () => {
    expect(parseDockerfile('FROM scratch AS Build-stage_1.x\n').stages[0]?.name).toBe('build-stage_1.x');
    expect(syntaxError('FROM scratch AS a/b\n').message).toMatch(/invalid name for build stage: "a\/b"/);
  });

  it('refuses bad stage names and duplicate stages', () => {
    expect(syntaxError('FROM scratch AS 1st\n').message).toBe(
      'Dockerfile:1:17: invalid name for build stage: "1st", name can\'t start with a number or contain symbols',
    );
    expect(syntaxError('FROM scratch AS a\nFROM scratch AS A\n').message).toBe(
      'Dockerfile:2:1: duplicate stage name "a": stage 0 on line 1 already has it',
    );
    expect(syntaxError('FROM a b\n').message).toMatch(/FROM requires either one or three arguments/);
    expect(syntaxError('FROM a to b\n').message).toMatch(
      /^Dockerfile:1:8: FROM requires either one or three/,
    );
  });

  it.each([
    ['RUN', 'RUN requires at least one argument'],
    ['RUN []', 'RUN requires at least one argument: the JSON array is empty'],
    ['CMD', 'CMD requires at least one argument'],
    ['ENV', 'ENV requires at least one argument'],
    ['ENV NOVALUE', 'ENV NOVALUE: missing value'],
    ['ENV a=1 b', 'can\'t find = in "b"'],
    ['ENV =x', 'ENV names can not be blank'],
    ['ARG =x', 'ARG names can not be blank'],
    ['COPY onlyone', 'COPY requires at least two arguments'],
    ['COPY a <<EOF', 'COPY cannot take a heredoc as its destination'],
    ['WORKDIR', 'WORKDIR requires exactly one argument'],
    ['SHELL /bin/bash -c', 'SHELL requires the arguments to be in JSON form'],
    ['SHELL []', 'SHELL requires at least one argument'],
    ['CMD ["a", 1]', 'the JSON array must contain only strings'],
    ['VOLUME []', 'VOLUME requires at least one argument'],
  ])('refuses %j', (line, message) => {
    expect(syntaxError(`FROM scratch\n${line}\n`).message).toContain(message);
  });

  it('names the position of a bad flag value', () => {
    expect(syntaxError('FROM scratch\nRUN --network=bridge make\n').message).toBe(
      'Dockerfile:2:5: RUN --network=bridge is not supported: use one of default, none, host',
    );
    expect(syntaxError('FROM scratch\nCOPY --chmod=rwx a b\n').message).toBe(
      'Dockerfile:2:6: invalid --chmod=rwx: expected an octal mode like 755 or 0644',
    );
    expect(syntaxError('FROM scratch\nCOPY --from a b\n').message).toBe(
      'Dockerfile:2:6: missing a value on flag --from: use --from=<value>',
    );
    expect(syntaxError('FROM scratch\nCOPY --link=maybe a b\n').message).toMatch(
      /expecting a boolean value for flag --link/,
    );
    expect(syntaxError('FROM scratch\nCOPY --chown=a --chown=b a b\n').message).toMatch(
      /duplicate flag --chown/,
    );
    expect(syntaxError('FROM scratch\nUSER --x me\n').message).toBe(
      'Dockerfile:2:6: unknown flag --x for USER; USER takes no flags',
    );
    expect(syntaxError('FROM --plaform=linux/amd64 scratch\n').message).toBe(
      'Dockerfile:1:6: unknown flag --plaform for FROM (did you mean --platform?)',
    );
  });

  it('refuses BuildKit-only RUN and COPY flags clearly', () => {
    expect(syntaxError('FROM scratch\nRUN --mount=type=cache,target=/root/.cache make\n').message).toMatch(
      /^Dockerfile:2:5: RUN --mount is not supported by Skiff/,
    );
    expect(syntaxError('FROM scratch\nRUN --security=insecure make\n').message).toMatch(
      /RUN --security is not supported/,
    );
    expect(syntaxError('FROM scratch\nCOPY --parents a/b /x/\n').message).toMatch(
      /COPY --parents is not supported/,
    );
    expect(syntaxError('FROM scratch\nADD --keep-git-dir=true git@x:y /z\n').message).toMatch(
      /--keep-git-dir is not supported/,
    );
  });
});

describe('parseDockerfile: instructions', () => {
  it('parses FROM with platform and stage name', () => {
    const df = parseDockerfile('FROM --platform=$BUILDPLATFORM golang:1.22 as Build\n');
    expect(df.stages[0]?.from).toMatchObject({
      image: 'golang:1.22',
      stageName: 'build',
      platform: '$BUILDPLATFORM',
    });
  });

  it('tells exec form from shell form, falling back to shell form on invalid JSON', () => {
    expect(parseOne('CMD ["redis-server", "--port", "6379"]', 'CMD').command).toEqual({
      form: 'exec',
      args: ['redis-server', '--port', '6379'],
    });
    expect(parseOne("CMD ['single', 'quotes']", 'CMD').command).toEqual({
      form: 'shell',
      command: "['single', 'quotes']",
    });
    expect(parseOne('ENTRYPOINT [ "a" ] extra', 'ENTRYPOINT').command).toEqual({
      form: 'shell',
      command: '[ "a" ] extra',
    });
    expect(parseOne('ENTRYPOINT []', 'ENTRYPOINT').command).toEqual({ form: 'exec', args: [] });
    expect(parseOne('SHELL ["powershell", "-command"]', 'SHELL').shell).toEqual(['powershell', '-command']);
  });

  it('parses RUN --network', () => {
    expect(parseOne('RUN --network=host apt-get update', 'RUN')).toMatchObject({
      network: 'host',
      command: { form: 'shell', command: 'apt-get update' },
    });
    expect(parseOne('RUN --network=none ["make"]', 'RUN')).toMatchObject({
      network: 'none',
      command: { form: 'exec', args: ['make'] },
    });
  });

  it('keeps quotes in ENV and LABEL values for expansion, and supports the legacy form', () => {
    expect(parseOne('ENV A=1 B="two words" C=a\\ b D=\'$x\'', 'ENV').pairs).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: '"two words"' },
      { key: 'C', value: 'a\\ b' },
      { key: 'D', value: "'$x'" },
    ]);
    expect(parseOne('ENV PATH /usr/local/bin:$PATH  more', 'ENV').pairs).toEqual([
      { key: 'PATH', value: '/usr/local/bin:$PATH  more' },
    ]);
    expect(parseOne('LABEL "com.example.vendor"="ACME Inc" version=1.0 empty=""', 'LABEL').pairs).toEqual([
      { key: '"com.example.vendor"', value: '"ACME Inc"' },
      { key: 'version', value: '1.0' },
      { key: 'empty', value: '""' },
    ]);
  });

  it('parses ARG declarations with and without defaults', () => {
    expect(parseOne('ARG A B=2 C="x y"', 'ARG').args).toEqual([
      { name: 'A' },
      { name: 'B', defaultValue: '2' },
      { name: 'C', defaultValue: '"x y"' },
    ]);
  });

  it('parses COPY and ADD sources, destination and flags', () => {
    expect(
      parseOne('COPY --from=build --chown=app:app --chmod=0755 --link /out/a /out/b /usr/local/bin/', 'COPY'),
    ).toMatchObject({
      from: 'build',
      chown: 'app:app',
      chmod: '0755',
      link: true,
      exclude: [],
      jsonForm: false,
      sources: [
        { kind: 'path', path: '/out/a' },
        { kind: 'path', path: '/out/b' },
      ],
      dest: '/usr/local/bin/',
    });
    expect(parseOne('COPY --exclude=*.md --exclude=tests ["my dir", "/app/"]', 'COPY')).toMatchObject({
      exclude: ['*.md', 'tests'],
      jsonForm: true,
      sources: [{ kind: 'path', path: 'my dir' }],
      dest: '/app/',
    });
    const sum = `sha256:${'a'.repeat(64)}`;
    expect(parseOne(`ADD --checksum=${sum} https://example.com/x.tgz /x/`, 'ADD')).toMatchObject({
      checksum: sum,
    });
    expect(syntaxError('FROM scratch\nADD --checksum=md5:abc u /x\n').message).toMatch(
      /invalid --checksum=md5:abc/,
    );
  });

  it('parses EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL and MAINTAINER', () => {
    expect(parseOne('EXPOSE 80 443/tcp 53/udp 8000-8010', 'EXPOSE').ports).toEqual([
      '80',
      '443/tcp',
      '53/udp',
      '8000-8010',
    ]);
    expect(parseOne('VOLUME ["/data", "/var/log"]', 'VOLUME').paths).toEqual(['/data', '/var/log']);
    expect(parseOne('VOLUME /data /var/log', 'VOLUME').paths).toEqual(['/data', '/var/log']);
    expect(parseOne('WORKDIR /path with spaces', 'WORKDIR').path).toBe('/path with spaces');
    expect(parseOne('USER 1000:1000', 'USER').user).toBe('1000:1000');
    expect(parseOne('STOPSIGNAL SIGQUIT', 'STOPSIGNAL').signal).toBe('SIGQUIT');
    expect(parseOne('MAINTAINER Jane Doe <jane@example.com>', 'MAINTAINER').author).toBe(
      'Jane Doe <jane@example.com>',
    );
  });
});

describe('parseDockerfile: HEALTHCHECK', () => {
  it('parses options into nanoseconds and the test command', () => {
    expect(
      parseOne(
        'HEALTHCHECK --interval=1m30s --timeout=5s --start-period=0.5s --start-interval=250ms --retries=3 CMD curl -f http://localhost/ || exit 1',
        'HEALTHCHECK',
      ).health,
    ).toEqual({
      Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      Interval: 90_000_000_000,
      Timeout: 5_000_000_000,
      StartPeriod: 500_000_000,
      StartInterval: 250_000_000,
      Retries: 3,
    });
    expect(parseOne('healthcheck cmd ["pg_isready", "-U", "postgres"]', 'HEALTHCHECK').health).toEqual({
      Test: ['CMD', 'pg_isready', '-U', 'postgres'],
    });
    expect(parseOne('HEALTHCHECK --interval=0s CMD true', 'HEALTHCHECK').health).toEqual({
      Test: ['CMD-SHELL', 'true'],
    });
  });

  it('parses NONE', () => {
    expect(parseOne('HEALTHCHECK NONE', 'HEALTHCHECK').health).toEqual({ Test: ['NONE'] });
  });

  it.each([
    ['HEALTHCHECK', 'HEALTHCHECK requires an argument'],
    ['HEALTHCHECK NONE now', 'HEALTHCHECK NONE takes no arguments'],
    ['HEALTHCHECK --interval=5s NONE', 'HEALTHCHECK NONE takes no options'],
    ['HEALTHCHECK CDM true', 'unknown type "CDM" in HEALTHCHECK (did you mean CMD?)'],
    ['HEALTHCHECK CMD', 'missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK --interval=5 CMD true', 'HEALTHCHECK --interval: missing unit in duration "5"'],
    ['HEALTHCHECK --interval=10ns CMD true', 'HEALTHCHECK --interval=10ns cannot be less than 1ms'],
    ['HEALTHCHECK --timeout=-1s CMD true', 'cannot be less than 1ms'],
    ['HEALTHCHECK --retries=-1 CMD true', 'HEALTHCHECK --retries cannot be negative (-1)'],
    ['HEALTHCHECK --retries=two CMD true', 'expected a whole number'],
    [
      'HEALTHCHECK --intervall=5s CMD true',
      'unknown flag --intervall for HEALTHCHECK (did you mean --interval?)',
    ],
  ])('refuses %j', (line, message) => {
    expect(syntaxError(`FROM scratch\n${line}\n`).message).toContain(message);
  });
});

describe('parseDockerfile: heredocs', () => {
  it('reads a RUN heredoc body up to its delimiter', () => {
    const df = parseDockerfile(
      'FROM scratch\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nUSER x\n',
    );
    const run = only(df, 'RUN');
    expect(run.command).toEqual({ form: 'shell', command: '<<EOF' });
    expect(run.heredocs).toEqual([
      { name: 'EOF', content: 'apt-get update\napt-get install -y curl\n', expand: true, chomp: false },
    ]);
    expect(run.location).toMatchObject({ startLine: 2, endLine: 5 });
    expect(only(df, 'USER').location.startLine).toBe(6);
  });

  it('strips leading tabs with <<- and disables expansion for quoted delimiters', () => {
    const run = parseOne('RUN <<-"EOT" bash\n\techo $HOME\n\t\tindented\n\tEOT', 'RUN');
    expect(run.heredocs).toEqual([
      { name: 'EOT', content: 'echo $HOME\nindented\n', expand: false, chomp: true },
    ]);
    expect(parseOne("RUN <<'EOF'\nx\nEOF", 'RUN').heredocs[0]?.expand).toBe(false);
    expect(parseOne('RUN <<E"O"F\nx\nEOF', 'RUN').heredocs[0]).toMatchObject({ name: 'EOF', expand: false });
  });

  it('reads several heredocs on one line in order, with file descriptors', () => {
    const run = parseOne('RUN <<FILE1 cat > /file1 && 3<<FILE2 cat > /file2\none\nFILE1\ntwo\nFILE2', 'RUN');
    expect(run.heredocs.map((h) => [h.name, h.content, h.fileDescriptor])).toEqual([
      ['FILE1', 'one\n', undefined],
      ['FILE2', 'two\n', 3],
    ]);
  });

  it('turns COPY heredocs into inline sources named by their delimiter', () => {
    const copy = parseOne(
      'COPY <<robots.txt <<humans.txt /usr/share/html/\nUser-agent: *\nrobots.txt\nhello\nhumans.txt',
      'COPY',
    );
    expect(copy.sources).toEqual([
      {
        kind: 'heredoc',
        heredoc: { name: 'robots.txt', content: 'User-agent: *\n', expand: true, chomp: false },
      },
      { kind: 'heredoc', heredoc: { name: 'humans.txt', content: 'hello\n', expand: true, chomp: false } },
    ]);
    expect(copy.dest).toBe('/usr/share/html/');
  });

  it('does not look for heredocs in exec form, other instructions or shell operators', () => {
    expect(parseOne('RUN ["cat", "<<EOF"]', 'RUN').heredocs).toEqual([]);
    expect(parseOne('CMD cat <<EOF', 'CMD').command).toEqual({ form: 'shell', command: 'cat <<EOF' });
    expect(parseOne('RUN echo $((1<<2)) && cat <<<"x"', 'RUN').heredocs).toEqual([]);
    expect(parseOne('RUN echo "<<EOF"', 'RUN').heredocs).toEqual([]);
  });

  it('refuses an unterminated heredoc, naming where it was opened', () => {
    expect(syntaxError('FROM scratch\nRUN cat <<EOF\nline\n').message).toBe(
      'Dockerfile:2:9: unterminated heredoc: the file ends before a line "EOF" closes the heredoc opened here',
    );
  });

  it('recognises the delimiter on CRLF lines', () => {
    const df = parseDockerfile('FROM scratch\r\nRUN <<EOF\r\necho hi\r\nEOF\r\nUSER x\r\n');
    expect(only(df, 'USER').user).toBe('x');
    expect(only(df, 'RUN').heredocs[0]?.content).toBe('echo hi\r\n');
  });

  it('keeps the body verbatim: no continuations, comments or directives inside', () => {
    const run = parseOne('RUN <<EOF\n# not a comment \\\n\n  FROM x\nEOF', 'RUN');
    expect(run.heredocs[0]?.content).toBe('# not a comment \\\n\n  FROM x\n');
  });
});

describe('parseDockerfile: ONBUILD', () => {
  it('parses the trigger and keeps its text for the image config', () => {
    const onbuild = parseOne('ONBUILD COPY --chown=app . /app/src', 'ONBUILD');
    expect(onbuild.expression).toBe('COPY --chown=app . /app/src');
    expect(onbuild.trigger).toMatchObject({ kind: 'COPY', chown: 'app', dest: '/app/src' });
  });

  it('keeps heredoc bodies in the stored trigger so the child re-parses the same instruction', () => {
    const onbuild = parseOne('ONBUILD RUN <<EOF\necho built\nEOF', 'ONBUILD');
    expect(onbuild.expression).toBe('RUN <<EOF\necho built\nEOF');
    const [again] = parseInstructions(onbuild.expression);
    expect(again).toMatchObject({ kind: 'RUN', heredocs: [{ name: 'EOF', content: 'echo built\n' }] });
  });

  it.each([
    ['ONBUILD ONBUILD RUN x', 'chaining ONBUILD via `ONBUILD ONBUILD` is not allowed'],
    ['ONBUILD FROM alpine', 'FROM is not allowed as an ONBUILD trigger'],
    ['onbuild maintainer me', 'MAINTAINER is not allowed as an ONBUILD trigger'],
    ['ONBUILD', 'ONBUILD requires at least one argument'],
    ['ONBUILD RUNN x', 'Dockerfile:2:9: unknown instruction: RUNN (did you mean RUN?)'],
    ['ONBUILD COPY --chwon=x a b', 'Dockerfile:2:14: unknown flag --chwon'],
  ])('refuses %j', (line, message) => {
    expect(syntaxError(`FROM scratch\n${line}\n`).message).toContain(message);
  });
});

describe('parseInstructions', () => {
  it('parses instruction lines without requiring FROM (ONBUILD triggers, --change lines)', () => {
    const list: Instruction[] = parseInstructions('ENV A=1\nCMD ["x"]', { file: 'trigger' });
    expect(list.map((i) => [i.kind, i.location.file])).toEqual([
      ['ENV', 'trigger'],
      ['CMD', 'trigger'],
    ]);
  });
});
