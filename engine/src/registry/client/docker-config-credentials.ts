import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { isErrno } from '../../errors.js';
import { runCommand } from '../../util/run-command.js';
import { DOCKER_HUB_AUTH_KEY } from '../registry-constants.js';
import { decodeAuth, type RegistryCredential } from './registry-credential.js';

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `localhost:5000` → `localhost:5000`. */
export function normalizeAuthKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  return k === 'docker.io' || k === 'registry-1.docker.io' ? 'index.docker.io' : k;
}

/** The default `~/.docker/config.json`, honouring `DOCKER_CONFIG` like the docker CLI. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json');
}

/**
 * Credentials from a docker CLI config file: `credHelpers.<host>` first, then `credsStore`, then
 * `auths.<host>`. Helpers are the real `docker-credential-<name>` programs, run with `get` and the
 * server URL on stdin. The file is read on every lookup so a `skiff login` takes effect at once.
 */
export class DockerConfigCredentials {
  constructor(
    private readonly configPath: string,
    private readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private async load(): Promise<DockerConfigFile> {
    try {
      return JSON.parse(await readFile(this.configPath, 'utf8')) as DockerConfigFile;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return {};
      this.logger.warn({ path: this.configPath, err: String(err) }, 'ignoring unreadable docker config');
      return {};
    }
  }

  /** `domain` as in image references (`docker.io`, `localhost:5000`). */
  async get(domain: string): Promise<RegistryCredential | undefined> {
    const config = await this.load();
    const wanted = normalizeAuthKey(domain);
    const serverUrl = wanted === 'index.docker.io' ? DOCKER_HUB_AUTH_KEY : domain;
    const helper =
      Object.entries(config.credHelpers ?? {}).find(([k]) => normalizeAuthKey(k) === wanted)?.[1] ??
      config.credsStore;
    if (helper) {
      const fromHelper = await this.fromHelper(helper, serverUrl);
      if (fromHelper) return fromHelper;
    }
    const entry = Object.entries(config.auths ?? {}).find(([k]) => normalizeAuthKey(k) === wanted)?.[1];
    if (!entry) return undefined;
    if (entry.registrytoken) return { kind: 'registry-token', token: entry.registrytoken };
    if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
    if (entry.username && entry.password !== undefined) {
      return { kind: 'basic', username: entry.username, password: entry.password };
    }
    const pair = entry.auth ? decodeAuth(entry.auth) : undefined;
    return pair ? { kind: 'basic', ...pair } : undefined;
  }

  private async fromHelper(helper: string, serverUrl: string): Promise<RegistryCredential | undefined> {
    const program = `docker-credential-${helper}`;
    const result = await runCommand(program, ['get'], {
      input: serverUrl,
      env: this.env,
      allowFailure: true,
      timeoutMs: 30_000,
    }).catch((err: unknown) => {
      this.logger.warn({ helper: program, err: String(err) }, 'credential helper could not run');
      return undefined;
    });
    if (result?.exitCode !== 0) {
      // "credentials not found in native keychain" is the normal answer for an unknown server.
      return undefined;
    }
    try {
      const answer = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      if (!answer.Secret) return undefined;
      // The helper protocol marks identity tokens with the username `<token>`.
      if (answer.Username === '<token>') return { kind: 'identity-token', token: answer.Secret };
      return { kind: 'basic', username: answer.Username ?? '', password: answer.Secret };
    } catch {
      this.logger.warn({ helper: program }, 'credential helper answered something that is not JSON');
      return undefined;
    }
  }
}
