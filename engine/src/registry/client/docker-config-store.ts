import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, isErrno, RuntimeError } from '../../errors.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { runCommand } from '../../util/run-command.js';
import { DOCKER_HUB_AUTH_KEY } from '../registry-constants.js';
import { normalizeAuthKey } from './docker-config-credentials.js';

/** The docker CLI's config file: only the keys this module touches are typed; the rest is kept as is. */
interface DockerConfigJson {
  auths?: Record<string, Record<string, unknown>>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export interface StoredLogin {
  username: string;
  /** The password, or the identity token when `identityToken` is set. */
  secret: string;
  identityToken?: boolean;
}

/** Where a registry's credentials live, for `skiff doctor` (never the secret itself). */
export interface CredentialSource {
  server: string;
  source: string;
}

/**
 * The key `docker login` stores a server under: Docker Hub's legacy `https://index.docker.io/v1/`,
 * otherwise the host (and port) without scheme or path.
 */
export function loginServerKey(server: string | undefined): string {
  const host = normalizeAuthKey(server ?? '');
  return host === '' || host === 'index.docker.io' ? DOCKER_HUB_AUTH_KEY : host;
}

/**
 * Writes logins to the docker CLI config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`)
 * the way `docker login`/`logout` do: a `credHelpers` entry for the server, else `credsStore`,
 * hands the secret to `docker-credential-<helper> store|erase` (and records an empty `auths` entry,
 * as Docker does); without a helper, `auths.<server>.auth` holds base64 `user:password`, in a file
 * readable by its owner only. Other keys of the file are kept.
 */
export class DockerConfigStore {
  constructor(
    readonly configPath: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private async load(): Promise<DockerConfigJson> {
    let text: string;
    try {
      text = await readFile(this.configPath, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return {};
      throw err;
    }
    if (text.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      return parsed as DockerConfigJson;
    } catch (err) {
      throw new InvalidArgumentError(
        `${this.configPath} is not valid JSON (${(err as Error).message}); fix or remove it and log in again`,
      );
    }
  }

  private async save(config: DockerConfigJson): Promise<void> {
    await mkdir(path.dirname(this.configPath), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.configPath, config, { mode: 0o600 });
  }

  private helperFor(config: DockerConfigJson, key: string): string | undefined {
    const wanted = normalizeAuthKey(key);
    const specific = Object.entries(config.credHelpers ?? {}).find(
      ([k]) => normalizeAuthKey(k) === wanted,
    )?.[1];
    return specific || config.credsStore || undefined;
  }

  private async helper(name: string, verb: 'store' | 'erase' | 'list', input: string): Promise<string> {
    const program = `docker-credential-${name}`;
    const result = await runCommand(program, [verb], {
      input,
      env: this.env,
      allowFailure: true,
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0) {
      // Helpers print their own reason on stdout ("credentials not found in native keychain").
      const why = (result.stdout.trim() || result.stderr.trim() || `exit code ${result.exitCode}`).slice(
        0,
        300,
      );
      throw new RuntimeError(`${program} ${verb} failed: ${why}`);
    }
    return result.stdout;
  }

  /** Saves a verified login; returns where it went (`the credential helper "pass"` or the file). */
  async store(server: string | undefined, login: StoredLogin): Promise<{ key: string; location: string }> {
    const key = loginServerKey(server);
    const config = await this.load();
    const helper = this.helperFor(config, key);
    config.auths ??= {};
    for (const k of Object.keys(config.auths))
      if (normalizeAuthKey(k) === normalizeAuthKey(key)) delete config.auths[k];
    if (helper) {
      const username = login.identityToken ? '<token>' : login.username;
      await this.helper(
        helper,
        'store',
        JSON.stringify({ ServerURL: key, Username: username, Secret: login.secret }),
      );
      config.auths[key] = {};
      await this.save(config);
      return { key, location: `the credential helper docker-credential-${helper}` };
    }
    config.auths[key] = login.identityToken
      ? { auth: Buffer.from(`${login.username}:`).toString('base64'), identitytoken: login.secret }
      : { auth: Buffer.from(`${login.username}:${login.secret}`).toString('base64') };
    await this.save(config);
    return { key, location: this.configPath };
  }

  /** Removes a login from the helper and the file; false when there was none in the file. */
  async erase(server: string | undefined): Promise<{ key: string; found: boolean }> {
    const key = loginServerKey(server);
    const config = await this.load();
    const helper = this.helperFor(config, key);
    let found = false;
    if (helper) {
      try {
        await this.helper(helper, 'erase', key);
        found = true;
      } catch {
        // Not stored there (the helper says so with a non-zero exit): nothing to erase.
      }
    }
    for (const k of Object.keys(config.auths ?? {})) {
      if (normalizeAuthKey(k) !== normalizeAuthKey(key)) continue;
      delete config.auths?.[k];
      found = true;
    }
    if (found) await this.save(config);
    return { key, found };
  }

  /** Every registry with stored credentials and where they are; secrets are never read out. */
  async sources(): Promise<CredentialSource[]> {
    const config = await this.load().catch(() => ({}) as DockerConfigJson);
    const out = new Map<string, string>();
    for (const [server, entry] of Object.entries(config.auths ?? {})) {
      if (entry.auth || entry.identitytoken || entry.registrytoken || (entry.username && entry.password)) {
        out.set(server, this.configPath);
      }
    }
    if (config.credsStore) {
      try {
        const listed = JSON.parse(await this.helper(config.credsStore, 'list', '')) as Record<string, string>;
        for (const server of Object.keys(listed)) out.set(server, `docker-credential-${config.credsStore}`);
      } catch {
        for (const [server, entry] of Object.entries(config.auths ?? {})) {
          if (Object.keys(entry).length === 0) out.set(server, `docker-credential-${config.credsStore}`);
        }
      }
    }
    for (const [server, helper] of Object.entries(config.credHelpers ?? {}))
      out.set(server, `docker-credential-${helper}`);
    return [...out]
      .map(([server, source]) => ({ server, source }))
      .sort((a, b) => a.server.localeCompare(b.server));
  }
}
