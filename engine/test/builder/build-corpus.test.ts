import { execFileSync } from 'node:child_process';
import { cp, lstat, readFile, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BuildFixture } from './build-fixture.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const TESTDATA = here('../../src/builder/testdata');

const f = new BuildFixture();
beforeAll(() => f.setup(), 120_000);
afterAll(() => f.teardown());
afterEach(async () => {
  expect(await f.leftovers()).toEqual([]);
});

function ok(run: Awaited<ReturnType<BuildFixture['build']>>) {
  if (run.error) throw run.error;
  return run.result as NonNullable<typeof run.result>;
}

describe('a three-line build', () => {
  it('runs, copies, records history like Docker and is fully cached the second time', async () => {
    const dir = path.join(f.base, 'three-line');
    await cp(path.join(TESTDATA, 'three-line'), dir, { recursive: true });
    const first = ok(await f.build(dir, { tags: ['three:1'] }));
    expect(await f.readImageFile('three:1', 'x')).toBe('hi\n');
    expect(await f.readImageFile('three:1', 'hello.txt')).toBe(
      await readFile(path.join(dir, 'hello.txt'), 'utf8'),
    );
    const image = await f.store.get('three:1');
    expect(image.id).toBe(first.imageId);
    const history = image.config.history ?? [];
    expect(history.slice(-2).map((h) => h.created_by)).toEqual([
      '/bin/sh -c echo hi > /x',
      expect.stringMatching(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/hello\.txt $/),
    ]);
    expect(history.filter((h) => !h.empty_layer)).toHaveLength(image.layers.length);
    expect(image.layers).toHaveLength(3);
    expect(image.parent).toBeDefined();

    const second = await f.build(dir, { tags: ['three:1'] });
    expect(ok(second).imageId).toBe(first.imageId);
    expect(second.log.match(/ ---> Using cache/g)).toHaveLength(2);
    expect(second.log).not.toContain('Running in');
    expect(second.messages).toContainEqual({ aux: { ID: first.imageId } });
    expect(second.log).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged three:1\n$/);

    const uncached = await f.build(dir, { tags: ['three:1'], noCache: true });
    expect(ok(uncached).imageId).not.toBe(first.imageId);
    expect(uncached.log).not.toContain('Using cache');
  });

  it('busts the cache from the first changed step on, and not before', async () => {
    const dir = await f.context({
      Dockerfile: 'FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\n',
      'a.txt': 'first\n',
    });
    ok(await f.build(dir, { tags: ['bust:1'] }));
    await writeFile(path.join(dir, 'a.txt'), 'second\n');
    const again = await f.build(dir, { tags: ['bust:1'] });
    ok(again);
    expect(again.log.match(/Using cache/g)).toHaveLength(1);
    expect(again.log.match(/Running in/g)).toHaveLength(1);
    expect(await f.readImageFile('bust:1', 'copy')).toBe('second\n');
    // Touching a file without changing it keeps the cache (mtime is not part of the content hash).
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(dir, 'a.txt'), later, later);
    const touched = await f.build(dir, { tags: ['bust:1'] });
    expect(touched.log.match(/Using cache/g)).toHaveLength(3);
  });
});

describe('multi-stage builds', () => {
  const dockerfile = [
    'FROM busybox AS build',
    'WORKDIR /src',
    'COPY main.sh .',
    'RUN mkdir -p /out/bin && cp main.sh /out/bin/app && chmod 755 /out/bin/app && echo built > /out/stamp',
    '',
    'FROM build AS test',
    'RUN echo "tests ran" > /tested',
    '',
    'FROM busybox',
    'COPY --from=build /out/bin/app /usr/local/bin/app',
    'COPY --from=0 /out/stamp /stamp',
    'COPY --from=busybox /etc/group /group-of-busybox',
    'CMD ["app"]',
    '',
  ].join('\n');

  it('copies between stages, builds only the stages the target needs, and stops at --target', async () => {
    const dir = await f.context({ Dockerfile: dockerfile, 'main.sh': '#!/bin/sh\necho app\n' });
    const run = await f.build(dir, { tags: ['multi:1'] });
    ok(run);
    expect(run.log).not.toContain('tests ran');
    expect(run.log).not.toContain('FROM build AS test');
    expect(await f.readImageFile('multi:1', 'usr/local/bin/app')).toBe('#!/bin/sh\necho app\n');
    expect(await f.readImageFile('multi:1', 'stamp')).toBe('built\n');
    expect(await f.readImageFile('multi:1', 'group-of-busybox')).toContain('root:x:0:');
    expect(await f.readImageFile('multi:1', 'out/stamp')).toBeUndefined();
    const final = await f.store.get('multi:1');
    expect(final.config.config?.Cmd).toEqual(['app']);
    expect(final.config.config?.WorkingDir).toBeUndefined();

    const target = await f.build(dir, { tags: ['multi:test'], target: 'test' });
    ok(target);
    expect(target.log).toMatch(/Step 1\/6 : FROM busybox AS build/);
    expect(await f.readImageFile('multi:test', 'tested')).toBe('tests ran\n');
    expect((await f.store.get('multi:test')).config.config?.WorkingDir).toBe('/src');
  });
});

describe('heredocs', () => {
  it('runs RUN heredocs as scripts and programs and writes COPY heredocs, expanded unless quoted', async () => {
    const dir = await f.context({
      Dockerfile: [
        'FROM busybox',
        'ARG GREETING=hello',
        'RUN <<EOF',
        'set -e',
        'echo "script $GREETING" > /script.txt',
        'EOF',
        'RUN <<EOF',
        '#!/bin/sh',
        'echo "program $0" > /program.txt',
        'EOF',
        'RUN <<A cat > /a.conf && <<-"B" cat > /b.sh',
        'listen=8080',
        'A',
        '\techo "$1"',
        '\tB',
        'COPY <<motd.txt <<"raw.txt" /etc/skel/',
        `\${GREETING} from the image`,
        'motd.txt',
        `\${GREETING} stays literal`,
        'raw.txt',
        'COPY --chmod=0755 <<-"EOF" /usr/local/bin/entry',
        '\t#!/bin/sh',
        '\texec "$@"',
        '\tEOF',
        '',
      ].join('\n'),
    });
    ok(await f.build(dir, { tags: ['heredoc:1'] }));
    expect(await f.readImageFile('heredoc:1', 'script.txt')).toBe('script hello\n');
    expect(await f.readImageFile('heredoc:1', 'program.txt')).toMatch(/^program \/dev\/pipes\//);
    expect(await f.readImageFile('heredoc:1', 'a.conf')).toBe('listen=8080\n');
    expect(await f.readImageFile('heredoc:1', 'b.sh')).toBe('echo "$1"\n');
    expect(await f.readImageFile('heredoc:1', 'etc/skel/motd.txt')).toBe('hello from the image\n');
    expect(await f.readImageFile('heredoc:1', 'etc/skel/raw.txt')).toBe(`\${GREETING} stays literal\n`);
    await f.withImageRoot('heredoc:1', async (root) => {
      const st = await stat(path.join(root, 'usr/local/bin/entry'));
      expect(st.mode & 0o7777).toBe(0o755);
      // The heredoc program was bind-mounted, never written into the image.
      await expect(lstat(path.join(root, 'dev/pipes'))).rejects.toThrow();
    });
    expect(await f.readImageFile('heredoc:1', 'usr/local/bin/entry')).toBe('#!/bin/sh\nexec "$@"\n');
  });
});

describe('ONBUILD', () => {
  it('stores triggers in the parent and runs them right after the child FROM, without passing them on', async () => {
    const base = await f.context({
      Dockerfile: [
        'FROM busybox',
        'WORKDIR /app',
        'ONBUILD ARG MODE=release',
        'ONBUILD COPY --chown=daemon:daemon . /app/src',
        'ONBUILD RUN echo "built $MODE" > /app/BUILD_INFO && ls /app/src > /app/FILES',
        'CMD ["/app/src/run"]',
        '',
      ].join('\n'),
    });
    ok(await f.build(base, { tags: ['onbuild-base:1'] }));
    const parent = await f.store.get('onbuild-base:1');
    expect(parent.config.config?.OnBuild).toEqual([
      'ARG MODE=release',
      'COPY --chown=daemon:daemon . /app/src',
      'RUN echo "built $MODE" > /app/BUILD_INFO && ls /app/src > /app/FILES',
    ]);
    const child = await f.context({ Dockerfile: 'FROM onbuild-base:1\nENV APP_ENV=production\n', run: 'x' });
    const run = await f.build(child, { tags: ['onbuild-child:1'], buildArgs: new Map([['MODE', 'debug']]) });
    ok(run);
    expect(run.log).toContain('# Executing 3 build triggers');
    expect(await f.readImageFile('onbuild-child:1', 'app/BUILD_INFO')).toBe('built debug\n');
    expect(await f.readImageFile('onbuild-child:1', 'app/FILES')).toBe('Dockerfile\nrun\n');
    const image = await f.store.get('onbuild-child:1');
    expect(image.config.config?.OnBuild ?? []).toEqual([]);
    expect(image.config.config?.Env).toContain('APP_ENV=production');
    await f.withImageRoot('onbuild-child:1', async (root) => {
      const st = await stat(path.join(root, 'app/src/run'));
      expect([st.uid, st.gid]).toEqual([1, 1]);
    });
  });
});

describe('.dockerignore', () => {
  it('leaves out ignored files, keeps the exceptions and hides an ignored ignore file', async () => {
    const dir = path.join(f.base, 'ignore-ctx');
    await cp(path.join(TESTDATA, 'dockerignore-exceptions'), dir, { recursive: true });
    ok(await f.build(dir, { tags: ['ignore:1'] }));
    const files = await f.withImageRoot('ignore:1', async (root) =>
      execFileSync('find', ['.', '-type', 'f'], { cwd: path.join(root, 'ctx'), encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .sort(),
    );
    expect(files).toEqual([
      './app/lib/util.js',
      './app/logs/important.log',
      './app/main.js',
      './docs/index.md',
    ]);
  });
});

describe('ADD', () => {
  async function tarOf(dir: string, compress: string[]): Promise<Buffer> {
    const plain = execFileSync('tar', [
      '--sort=name',
      '--owner=1000',
      '--group=1000',
      '--numeric-owner',
      '-C',
      dir,
      '-cf',
      '-',
      '.',
    ]);
    return compress.length === 0
      ? plain
      : execFileSync(compress[0] as string, compress.slice(1), { input: plain });
  }

  it('unpacks local tars whatever their compression (detected by content) and copies other files as they are', async () => {
    const payload = await f.context({ 'bin/hello': '#!/bin/sh\necho hello\n', 'etc/app.ini': 'x=1\n' });
    const ctx = await f.context({
      Dockerfile: [
        'FROM busybox',
        'ADD plain.tar /plain/',
        'ADD gz.bin /gz',
        'ADD rootfs.tar.bz2 /bz2/',
        'ADD rootfs.tar.xz /xz/',
        'ADD --chown=7:8 rootfs.tar.gz /chowned/',
        'ADD notes.txt.gz /notes/',
        'ADD not-a-tar.tar /raw/',
        '',
      ].join('\n'),
      'plain.tar': await tarOf(payload, []),
      'gz.bin': await tarOf(payload, ['gzip', '-c']),
      'rootfs.tar.bz2': await tarOf(payload, ['bzip2', '-c']),
      'rootfs.tar.xz': await tarOf(payload, ['xz', '-c']),
      'rootfs.tar.gz': await tarOf(payload, ['gzip', '-c']),
      'notes.txt.gz': execFileSync('gzip', ['-c'], { input: 'just text\n' }),
      'not-a-tar.tar': 'not a tar at all\n',
    });
    ok(await f.build(ctx, { tags: ['add:1'] }));
    for (const dir of ['plain', 'gz', 'bz2', 'xz', 'chowned']) {
      expect(await f.readImageFile('add:1', `${dir}/bin/hello`)).toBe('#!/bin/sh\necho hello\n');
      expect(await f.readImageFile('add:1', `${dir}/etc/app.ini`)).toBe('x=1\n');
    }
    await f.withImageRoot('add:1', async (root) => {
      const kept = await stat(path.join(root, 'plain/bin/hello'));
      expect([kept.uid, kept.gid]).toEqual([1000, 1000]);
      const chowned = await stat(path.join(root, 'chowned/etc/app.ini'));
      expect([chowned.uid, chowned.gid]).toEqual([7, 8]);
      expect(execFileSync('gzip', ['-dc', path.join(root, 'notes/notes.txt.gz')], { encoding: 'utf8' })).toBe(
        'just text\n',
      );
    });
    expect(await f.readImageFile('add:1', 'raw/not-a-tar.tar')).toBe('not a tar at all\n');
  });

  it('contains a hostile archive: no entry lands outside the destination', async () => {
    // A symlink to / followed by a file written "through" it, and an absolute name.
    const evil = execFileSync('python3', [
      '-c',
      [
        'import tarfile, io, sys',
        'buf = io.BytesIO()',
        't = tarfile.open(fileobj=buf, mode="w")',
        'l = tarfile.TarInfo("escape"); l.type = tarfile.SYMTYPE; l.linkname = "/"; t.addfile(l)',
        'for name in ["escape/etc/owned", "/abs-owned"]:',
        '    d = b"pwned\\n"; i = tarfile.TarInfo(name); i.size = len(d); t.addfile(i, io.BytesIO(d))',
        't.close(); sys.stdout.buffer.write(buf.getvalue())',
      ].join('\n'),
    ]);
    const ctx = await f.context({ Dockerfile: 'FROM busybox\nADD evil.tar /target/\n', 'evil.tar': evil });
    ok(await f.build(ctx, { tags: ['evil:1'] }));
    expect(await f.readImageFile('evil:1', 'etc/owned')).toBeUndefined();
    expect(await f.readImageFile('evil:1', 'abs-owned')).toBeUndefined();
    expect(await f.readImageFile('evil:1', 'target/etc/owned')).toBe('pwned\n');
    expect(await f.readImageFile('evil:1', 'target/abs-owned')).toBe('pwned\n');

    const dotdot = execFileSync('python3', [
      '-c',
      'import tarfile,io,sys\nb=io.BytesIO()\nt=tarfile.open(fileobj=b,mode="w")\nd=b"x"\ni=tarfile.TarInfo("../../etc/dotdot")\ni.size=1\nt.addfile(i,io.BytesIO(d))\nt.close()\nsys.stdout.buffer.write(b.getvalue())',
    ]);
    const ctx2 = await f.context({
      Dockerfile: 'FROM busybox\nADD dotdot.tar /target/\n',
      'dotdot.tar': dotdot,
    });
    const refused = await f.build(ctx2, { tags: ['evil:2'] });
    expect(String(refused.error)).toMatch(
      /Dockerfile:2: ADD failed: refusing archive entry "..\/..\/etc\/dotdot": .*\.\./,
    );
  });
});

describe('image config', () => {
  it('records Env, Cmd, Entrypoint, User, WorkingDir, ports, labels, volumes, healthcheck, stop signal and shell', async () => {
    const dir = await f.context({
      Dockerfile: [
        'FROM busybox',
        'ARG VERSION=1.2.3',
        'ENV APP_HOME=/srv/app PATH=/srv/app/bin:$PATH',
        'LABEL org.opencontainers.image.version=$VERSION maintainer="ops team"',
        'CMD ["serve"]',
        'ENTRYPOINT ["/srv/app/bin/entry"]',
        'EXPOSE 8080 9090/udp 7000-7001',
        'WORKDIR $APP_HOME',
        'WORKDIR data',
        'USER daemon:daemon',
        'VOLUME ["/srv/app/data", "/cache"]',
        'STOPSIGNAL SIGQUIT',
        'HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- http://localhost:8080/health || exit 1',
        'SHELL ["/bin/sh", "-ec"]',
        'CMD echo "shell form through SHELL"',
        '',
      ].join('\n'),
    });
    const run = await f.build(dir, { tags: ['config:1'], labels: { 'dev.skiff.test': 'yes' } });
    ok(run);
    const image = await f.store.get('config:1');
    const c = image.config.config ?? {};
    expect(c.Env).toEqual([
      'PATH=/srv/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'APP_HOME=/srv/app',
    ]);
    expect(c.Cmd).toEqual(['/bin/sh', '-ec', 'echo "shell form through SHELL"']);
    expect(c.Entrypoint).toEqual(['/srv/app/bin/entry']);
    expect(c.User).toBe('daemon:daemon');
    expect(c.WorkingDir).toBe('/srv/app/data');
    await f.withImageRoot('config:1', async (root) => {
      expect((await stat(path.join(root, 'srv/app/data'))).isDirectory()).toBe(true);
    });
    expect(c.ExposedPorts).toEqual({ '8080/tcp': {}, '9090/udp': {}, '7000/tcp': {}, '7001/tcp': {} });
    expect(c.Labels).toEqual({
      'org.opencontainers.image.version': '1.2.3',
      maintainer: 'ops team',
      'dev.skiff.test': 'yes',
    });
    expect(c.Volumes).toEqual({ '/srv/app/data': {}, '/cache': {} });
    expect(c.StopSignal).toBe('SIGQUIT');
    expect(c.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/health || exit 1'],
      Interval: 5e9,
      Timeout: 2e9,
      Retries: 4,
    });
    expect(c.Shell).toEqual(['/bin/sh', '-ec']);
    const history = (image.config.history ?? []).map((h) => h.created_by);
    expect(history).toContain(
      '/bin/sh -c #(nop)  ENV APP_HOME=/srv/app PATH=/srv/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    );
    expect(history).toContain('/bin/sh -c #(nop)  ENTRYPOINT ["/srv/app/bin/entry"]');
    expect(history).toContain('/bin/sh -c #(nop)  VOLUME [/srv/app/data /cache]');
    expect(history).toContain('/bin/sh -c #(nop)  ARG VERSION=1.2.3');
    expect(history).toContain(
      '/bin/sh -ec #(nop)  CMD ["/bin/sh" "-ec" "echo \\"shell form through SHELL\\""]',
    );
    expect(history).toContain('/bin/sh -c #(nop) WORKDIR /srv/app/data');
    expect(history[history.length - 1]).toBe('/bin/sh -ec #(nop)  LABEL dev.skiff.test=yes');
    // ENTRYPOINT reset the inherited CMD ["sh"]; the later CMD set it again.
    const metadataOnly = (image.config.history ?? [])
      .filter((h) => h.created_by?.includes('#(nop)  '))
      .every((h) => h.empty_layer);
    expect(metadataOnly).toBe(true);
    expect(image.config.history?.filter((h) => !h.empty_layer)).toHaveLength(image.layers.length);
    expect(run.log).toMatch(/Step 16\/16 : LABEL dev.skiff.test="yes"/);
  });

  it('gives RUN the image env, build args in effect, USER, WORKDIR and SHELL; build args change the cache key', async () => {
    const dir = await f.context({
      Dockerfile: [
        'FROM busybox',
        'ARG FLAVOUR=plain',
        'ENV FROM_ENV=env-value',
        'RUN echo "$FLAVOUR $FROM_ENV $HTTP_PROXY" > /args.txt',
        'WORKDIR /work',
        'USER daemon',
        'RUN id -u > /tmp/uid && pwd > /tmp/pwd',
        'USER root',
        'SHELL ["/bin/sh", "-c", "echo shell-was-used >> /tmp/shell; eval \\"$1\\"", "sh"]',
        'RUN true',
        '',
      ].join('\n'),
    });
    const args = new Map([
      ['FLAVOUR', 'spicy'],
      ['HTTP_PROXY', 'http://proxy:3128'],
    ]);
    const first = await f.build(dir, { tags: ['runenv:1'], buildArgs: args });
    ok(first);
    expect(await f.readImageFile('runenv:1', 'args.txt')).toBe('spicy env-value http://proxy:3128\n');
    expect(await f.readImageFile('runenv:1', 'tmp/uid')).toBe('1\n');
    expect(await f.readImageFile('runenv:1', 'tmp/pwd')).toBe('/work\n');
    expect(await f.readImageFile('runenv:1', 'tmp/shell')).toBe('shell-was-used\n');
    const history = (await f.store.get('runenv:1')).config.history ?? [];
    expect(history.map((h) => h.created_by)).toContain(
      '|1 FLAVOUR=spicy /bin/sh -c echo "$FLAVOUR $FROM_ENV $HTTP_PROXY" > /args.txt',
    );
    // A different proxy (predefined, undeclared) keeps the cache; a different declared arg busts it.
    const proxy = await f.build(dir, {
      tags: ['runenv:1'],
      buildArgs: new Map([...args, ['HTTP_PROXY', 'http://other:3128']]),
    });
    expect(proxy.log.match(/Using cache/g)?.length).toBe(9);
    const flavour = await f.build(dir, {
      tags: ['runenv:1'],
      buildArgs: new Map([...args, ['FLAVOUR', 'mild']]),
    });
    expect(flavour.log.match(/Using cache/g)?.length).toBe(2);
    expect(await f.readImageFile('runenv:1', 'args.txt')).toBe('mild env-value http://proxy:3128\n');
  });
});

describe('RUN networking and the shared cache', () => {
  it('runs RUN in the host network by default and in an empty one with --network=none', async () => {
    const dir = await f.context({
      Dockerfile: [
        'FROM busybox',
        "RUN grep -c ':' /proc/net/dev > /default-ifaces",
        "RUN --network=none grep -c ':' /proc/net/dev > /none-ifaces && cat /etc/hosts > /none-hosts",
        '',
      ].join('\n'),
    });
    ok(await f.build(dir, { tags: ['net:1'] }));
    const hostIfaces = (await import('node:fs/promises')).readFile('/proc/net/dev', 'utf8');
    const expected = (await hostIfaces).split('\n').filter((l) => l.includes(':')).length;
    expect(await f.readImageFile('net:1', 'default-ifaces')).toBe(`${expected}\n`);
    expect(await f.readImageFile('net:1', 'none-ifaces')).toBe('1\n');
    expect(await f.readImageFile('net:1', 'none-hosts')).toContain('127.0.0.1\tlocalhost');
    // Neither step leaves the /etc/hosts or /etc/resolv.conf mount points in its layer.
    const image = await f.store.get('net:1');
    const { readdir } = await import('node:fs/promises');
    const layerFiles = await Promise.all(
      image.layers.slice(1).map((l) => readdir(f.snapshotter.dir(l.chainId))),
    );
    expect(layerFiles).toEqual([['default-ifaces'], ['none-hosts', 'none-ifaces']]);
  });

  it('shares the cache with another builder (another engine) on the same store', async () => {
    const dir = await f.context({ Dockerfile: 'FROM busybox\nRUN echo shared > /shared\n' });
    const first = ok(await f.build(dir, { tags: ['shared:1'] }));
    const { ImageBuilder } = await import('../../src/builder/executor/image-builder.js');
    const { openDirectoryContext } = await import('../../src/builder/executor/build-context.js');
    const other = new ImageBuilder({ ...f.deps });
    const context = await openDirectoryContext(dir);
    const lines: string[] = [];
    const result = await other.build(context, { tags: ['shared:2'] }, (m) => {
      if (m.stream) lines.push(m.stream);
    });
    await context.close();
    expect(result.imageId).toBe(first.imageId);
    expect(lines).toContain(' ---> Using cache\n');
  });
});

describe('COPY', () => {
  it('follows Docker’s rules for globs, directories, trailing slashes, WORKDIR, parents, --chown and --chmod', async () => {
    const dir = await f.context({
      Dockerfile: [
        'FROM busybox',
        'WORKDIR /app',
        'COPY src/*.js lib/',
        'COPY src /tree',
        'COPY one.txt /renamed.txt',
        'COPY one.txt two.txt /multi/',
        'COPY one.txt /deep/missing/parents/',
        'COPY --chown=daemon one.txt /owned/by-name',
        'COPY --chown=1234:5678 one.txt /owned/by-id',
        'COPY --chmod=0600 one.txt /private',
        'COPY [0-9]*.dat /numbered/',
        'COPY --exclude=*.md docs /docs',
        '',
      ].join('\n'),
      'src/a.js': 'a',
      'src/b.js': 'b',
      'src/c.css': 'c',
      'src/nested/d.js': 'd',
      'one.txt': '1',
      'two.txt': '2',
      '1.dat': 'one',
      '2.dat': 'two',
      'x.dat': 'x',
      'docs/guide.txt': 'guide',
      'docs/readme.md': 'readme',
    });
    ok(await f.build(dir, { tags: ['copy:1'] }));
    await f.withImageRoot('copy:1', async (root) => {
      const ls = (p: string) =>
        execFileSync('ls', ['-A', path.join(root, p)], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean);
      expect(ls('app/lib')).toEqual(['a.js', 'b.js']);
      expect(ls('tree')).toEqual(['a.js', 'b.js', 'c.css', 'nested']);
      expect(await readFile(path.join(root, 'tree/nested/d.js'), 'utf8')).toBe('d');
      expect(await readFile(path.join(root, 'renamed.txt'), 'utf8')).toBe('1');
      expect(ls('multi')).toEqual(['one.txt', 'two.txt']);
      expect(await readFile(path.join(root, 'deep/missing/parents/one.txt'), 'utf8')).toBe('1');
      const byName = await stat(path.join(root, 'owned/by-name'));
      expect([byName.uid, byName.gid]).toEqual([1, 1]);
      const byId = await stat(path.join(root, 'owned/by-id'));
      expect([byId.uid, byId.gid]).toEqual([1234, 5678]);
      expect((await stat(path.join(root, 'private'))).mode & 0o777).toBe(0o600);
      const plain = await stat(path.join(root, 'renamed.txt'));
      expect([plain.uid, plain.gid]).toEqual([0, 0]);
      expect(ls('numbered')).toEqual(['1.dat', '2.dat']);
      expect(ls('docs')).toEqual(['guide.txt']);
    });
  });

  it('copies a symlink that points out of the context as a link, never followed out', async () => {
    const dir = await f.context({ Dockerfile: 'FROM busybox\nCOPY passwd-link /copied\nCOPY . /ctx/\n' });
    await symlink('/etc/passwd', path.join(dir, 'passwd-link'));
    await symlink('../../../../../../etc/shadow', path.join(dir, 'climbing-link'));
    ok(await f.build(dir, { tags: ['links:1'] }));
    await f.withImageRoot('links:1', async (root) => {
      expect(await readlink(path.join(root, 'copied'))).toBe('/etc/passwd');
      expect(await readlink(path.join(root, 'ctx/passwd-link'))).toBe('/etc/passwd');
      expect(await readlink(path.join(root, 'ctx/climbing-link'))).toBe('../../../../../../etc/shadow');
    });
  });

  it('reads a deleted file as absent in later steps (the layer holds a whiteout)', async () => {
    const dir = await f.context({
      Dockerfile:
        'FROM busybox\nRUN rm /bin/vi && rm -r /root\nRUN test ! -e /bin/vi && test ! -e /root && echo gone > /gone\n',
    });
    ok(await f.build(dir, { tags: ['whiteout:1'] }));
    expect(await f.readImageFile('whiteout:1', 'gone')).toBe('gone\n');
    expect(await f.readImageFile('whiteout:1', 'bin/vi')).toBeUndefined();
  });
});
