// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile syntax, not JS templates
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../errors.js';
import { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';
import type { CopyInstruction, Instruction } from '../instruction.js';
import { parseDockerfile } from '../parser/parse-dockerfile.js';
import { type BuildPlanOptions, planBuild } from './build-plan.js';

const amd64 = { os: 'linux', architecture: 'amd64' };

function plan(text: string, options: BuildPlanOptions = {}) {
  return planBuild(parseDockerfile(text), { targetPlatform: amd64, buildPlatform: amd64, ...options });
}

function failure(text: string, options: BuildPlanOptions = {}): Error {
  try {
    plan(text, options);
  } catch (err: unknown) {
    return err as Error;
  }
  throw new Error('expected an error');
}

const MULTI = `ARG GO=1.22
FROM golang:\${GO} AS build
RUN go build -o /out/app ./cmd/app
FROM node:20 AS assets
RUN npm run build
FROM build AS test
RUN go test ./...
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
COPY --from=assets /app/dist /srv/www
`;

describe('BuildPlan', () => {
  it('resolves stage bases to images, stages or scratch with the global ARGs', () => {
    const p = plan(
      'ARG TAG=3.20\nFROM alpine:$TAG AS a\nFROM a\nFROM scratch\nFROM ${REGISTRY:-localhost:5000}/team/app',
      {
        buildArgs: new Map([['TAG', '3.19']]),
      },
    );
    expect(p.stages.map((s) => s.base)).toEqual([
      { kind: 'image', ref: 'alpine:3.19' },
      { kind: 'stage', index: 0 },
      { kind: 'scratch' },
      { kind: 'image', ref: 'localhost:5000/team/app' },
    ]);
  });

  it('builds the target and what it needs, dependencies first, skipping unused stages', () => {
    const p = plan(MULTI);
    expect(p.target.stage.index).toBe(3);
    expect(p.order.map((s) => s.stage.name ?? s.stage.index)).toEqual(['build', 'assets', 3]);
    expect(plan(MULTI, { target: 'TEST' }).order.map((s) => s.stage.name)).toEqual(['build', 'test']);
    expect(plan(MULTI, { target: 'assets' }).order.map((s) => s.stage.name)).toEqual(['assets']);
  });

  it('records COPY --from references by name, index or image', () => {
    const p = plan(
      'FROM alpine AS one\nFROM alpine\nCOPY --from=one /a /a\nCOPY --from=0 /b /b\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n',
    );
    const final = p.stages[1];
    const copies = final?.stage.instructions as CopyInstruction[];
    expect(copies.map((c) => final?.copyFrom.get(c))).toEqual([
      { kind: 'stage', index: 0 },
      { kind: 'stage', index: 0 },
      { kind: 'image', ref: 'nginx:1.27' },
    ]);
    expect(final?.dependsOn).toEqual([0]);
  });

  it('lets COPY --from name a later stage, ordering it first', () => {
    const p = plan('FROM alpine\nCOPY --from=late /x /x\nFROM busybox AS late\n', { target: undefined });
    expect(
      plan('FROM alpine AS first\nCOPY --from=late /x /x\nFROM busybox AS late\n', {
        target: 'first',
      }).order.map((s) => s.stage.index),
    ).toEqual([1, 0]);
    expect(p.order.map((s) => s.stage.index)).toEqual([1]);
  });

  it('expands COPY --from with the stage ARGs', () => {
    const p = plan(
      'FROM alpine AS dev\nFROM alpine AS prod\nFROM scratch\nARG FLAVOR=dev\nCOPY --from=$FLAVOR /x /x\n',
      {
        buildArgs: new Map([['FLAVOR', 'prod']]),
      },
    );
    expect(p.order.map((s) => s.stage.name ?? s.stage.index)).toEqual(['prod', 2]);
  });

  it('refuses an unknown target, listing the stages', () => {
    const err = failure(MULTI, { target: 'biuld' });
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe('SKIFF_BUILD_STAGE_NOT_FOUND');
    expect(err.message).toBe(
      'failed to reach build target biuld in Dockerfile: no stage is named "biuld" (did you mean build?); the stages are: build, assets, test, (unnamed stage 3)',
    );
  });

  it('refuses bad stage references with the COPY position', () => {
    expect(failure('FROM alpine\nFROM alpine\nCOPY --from=5 /a /a\n').message).toBe(
      'Dockerfile:3:1: COPY --from=5: there is no stage 5; the stages are 0 to 1',
    );
    expect(failure('FROM alpine AS me\nCOPY --from=me /a /a\n').message).toBe(
      'Dockerfile:2:1: COPY --from=me refers to the stage it is in',
    );
    expect(failure('FROM alpine AS builder\nFROM alpine\nCOPY --from=Bad_Name! /a /a\n').message).toMatch(
      /^Dockerfile:3:1: COPY --from=Bad_Name!: no stage has this name and it is not an image reference either/,
    );
    expect(failure('FROM alpine\nCOPY --from=$EMPTY /a /a\n').message).toMatch(
      /COPY --from expands to nothing/,
    );
  });

  it('warns when COPY --from names an image that looks like a misspelt stage', () => {
    const p = plan('FROM alpine AS builder\nFROM alpine\nCOPY --from=biulder /a /a\n');
    expect(p.warnings.map((w) => [w.line, w.message])).toEqual([
      [3, 'COPY --from=biulder names an image, not a stage; did you mean stage "builder"?'],
    ]);
  });

  it('detects circular stage dependencies', () => {
    expect(
      failure('FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n').message,
    ).toMatch(
      /circular dependency between stages: a -> b -> a|circular dependency between stages: b -> a -> b/,
    );
  });

  it('refuses invalid or empty base images and platforms', () => {
    expect(failure('ARG IMAGE\nFROM $IMAGE\n').message).toBe(
      'Dockerfile:2:1: FROM $IMAGE: the base image name expands to nothing',
    );
    expect(failure('FROM Alpine:3\n').message).toMatch(
      /^Dockerfile:1:1: FROM Alpine:3: invalid reference format/,
    );
    expect(failure('FROM --platform=linux alpine\n').message).toMatch(
      /FROM --platform: invalid platform "linux"/,
    );
  });

  it('parses FROM --platform, with the automatic platform ARGs', () => {
    const arm = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    const p = plan(
      'FROM --platform=$BUILDPLATFORM golang AS build\nARG TARGETARCH\nFROM --platform=linux/x86_64 alpine\n',
      {
        buildPlatform: arm,
      },
    );
    expect(p.stages.map((s) => s.platform)).toEqual([arm, amd64]);
    expect(p.globalArgs.get('TARGETARCH')).toBe('amd64');
    expect(p.globalArgs.get('BUILDPLATFORM')).toBe('linux/arm64/v8');
    const vars = p.stageVariables([]);
    vars.step(p.stages[0]?.stage.instructions[0] as Instruction);
    expect(vars.runEnvironment()).toEqual(['TARGETARCH=amd64']);
  });

  it('evaluates global ARGs in order, build args overriding defaults', () => {
    const p = plan('ARG A=1\nARG B=${A}-b C\nFROM scratch\n', { buildArgs: new Map([['A', '9']]) });
    expect(p.globalArgs.get('A')).toBe('9');
    expect(p.globalArgs.get('B')).toBe('9-b');
    expect(p.globalArgs.has('C')).toBe(true);
    expect(p.globalArgs.get('C')).toBeUndefined();
  });

  it('lists build args no built stage declares (proxy args never count)', () => {
    const p = plan('ARG G\nFROM scratch AS a\nARG USED\nFROM scratch\nARG OTHER\n', {
      target: 'a',
      buildArgs: new Map([
        ['G', '1'],
        ['USED', '1'],
        ['OTHER', '1'],
        ['TYPO', '1'],
        ['HTTP_PROXY', 'x'],
      ]),
    });
    expect(p.unusedBuildArgs()).toEqual(['OTHER', 'TYPO']);
    expect(p.warnings.map((w) => w.message)).toContain(
      'build arg TYPO was given but no ARG in the stages built declares it',
    );
  });

  it('resolves --from values met at build time (ONBUILD triggers)', () => {
    const p = plan(MULTI);
    const at = { file: 'Dockerfile', startLine: 1, column: 1, endLine: 1 };
    expect(p.resolveCopyFrom('assets', 3, at)).toEqual({ kind: 'stage', index: 1 });
    expect(p.resolveCopyFrom('busybox', 3, at)).toEqual({ kind: 'image', ref: 'busybox' });
    expect(() => p.resolveCopyFrom('9', 3, at)).toThrow(DockerfileSyntaxError);
  });
});
