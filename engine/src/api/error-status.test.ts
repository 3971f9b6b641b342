import {
  ConflictError as NetConflictError,
  InvalidArgumentError as NetInvalidArgumentError,
  NetworkNotFoundError,
  PortInUseError,
} from '@skiff/net';
import { describe, expect, it } from 'vitest';
import { DockerfileSyntaxError } from '../builder/dockerfile-syntax-error.js';
import { ConflictError, NotFoundError, NotModifiedError, RegistryError } from '../errors.js';
import { PredefinedNetworkError } from '../networks/predefined-network-error.js';
import { RegistryErrorCode } from '../registry/registry-constants.js';
import { errorBody, errorStatus } from './error-status.js';

const registry = (code: string, status?: number) => new RegistryError('registry said no', status, { code });

describe('errorStatus', () => {
  it("maps the registry client's codes to the statuses moby's errdefs would give", () => {
    expect(errorStatus(registry(RegistryErrorCode.NotFound, 404))).toBe(404);
    expect(errorStatus(registry(RegistryErrorCode.Unauthorized, 403))).toBe(401);
    expect(errorStatus(registry(RegistryErrorCode.PlatformNotFound))).toBe(404);
    expect(errorStatus(registry(RegistryErrorCode.Unreachable))).toBe(503);
    expect(errorStatus(registry(RegistryErrorCode.ManifestInvalid))).toBe(502);
    expect(errorStatus(registry(RegistryErrorCode.NoSpace))).toBe(507);
    expect(errorStatus(registry(RegistryErrorCode.Failed, 500))).toBe(500);
  });

  it('answers Dockerfile mistakes and unknown build targets with 400', () => {
    expect(
      errorStatus(new DockerfileSyntaxError('Dockerfile', { line: 1, column: 1 }, 'unknown instruction')),
    ).toBe(400);
    expect(errorStatus(new NotFoundError('build stage', 'nope'))).toBe(400);
  });

  it('keeps the generic classes: 304, 404, 409, and 500 for the unknown', () => {
    expect(errorStatus(new NotModifiedError('already started'))).toBe(304);
    expect(errorStatus(new NotFoundError('container', 'x'))).toBe(404);
    expect(errorStatus(new ConflictError('in use'))).toBe(409);
    expect(errorStatus(new Error('bug'))).toBe(500);
    expect(errorBody(new NotFoundError('image', 'a:1'))).toEqual({ message: 'No such image: a:1' });
  });

  it("maps @skiff/net's codes and refuses to remove built-in networks with 403, as moby does", () => {
    expect(errorStatus(new NetworkNotFoundError('nope'))).toBe(404);
    expect(errorStatus(new NetConflictError('network with name a already exists'))).toBe(409);
    expect(errorStatus(new NetInvalidArgumentError('invalid subnet "x"'))).toBe(400);
    expect(errorStatus(new PortInUseError('127.0.0.1', 8080, 'tcp'))).toBe(409);
    expect(
      errorStatus(new PredefinedNetworkError('bridge is a pre-defined network and cannot be removed')),
    ).toBe(403);
  });
});
