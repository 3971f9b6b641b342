import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { defaultDockerConfigPath } from '../../registry/client/docker-config-credentials.js';
import { DockerConfigStore, loginServerKey } from '../../registry/client/docker-config-store.js';
import type { CliContext } from '../cli-context.js';
import { err, out } from '../output.js';
import { UsageError } from '../units.js';

export interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  // Like the docker CLI: one trailing newline (from `echo`) is not part of the password.
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; `hidden` keeps the answer off the screen (passwords). */
function prompt(question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    // readline echoes through _writeToOutput; print the question only.
    const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: Writable };
    muted._writeToOutput = (s: string) => {
      if (s.includes(question)) muted.output.write(question);
    };
  }
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stdout.write('\n');
      resolve(answer);
    });
  });
}

/**
 * `skiff login [-u USER] [-p PASS | --password-stdin] [SERVER]`: the engine checks the credentials
 * against the registry (`POST /auth`), then they are stored in the docker config like `docker
 * login` does (credential helper when one is configured, else base64 in `auths`).
 */
export async function login(ctx: CliContext, server: string | undefined, flags: LoginFlags): Promise<number> {
  if (flags.password !== undefined && flags.passwordStdin) {
    throw new UsageError('--password and --password-stdin are mutually exclusive', 1);
  }
  let username = flags.username?.trim();
  let password = flags.password;
  if (flags.passwordStdin) {
    if (!username) throw new UsageError('must provide --username with --password-stdin', 1);
    password = await readStdin();
  } else if (password !== undefined) {
    err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
  }
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (!username || password === undefined) {
    if (!interactive) throw new UsageError('cannot perform an interactive login from a non TTY device', 1);
    if (!username) username = (await prompt('Username: ', false)).trim();
    if (password === undefined) password = await prompt('Password: ', true);
  }
  if (!username) throw new UsageError('a username is required', 1);
  if (!password) throw new UsageError('a password is required', 1);
  const key = loginServerKey(server);
  const answer = await ctx.client.json<{ Status: string; IdentityToken?: string }>('POST', '/auth', {
    body: { username, password, serveraddress: key },
  });
  const store = new DockerConfigStore(defaultDockerConfigPath());
  const saved = answer.IdentityToken
    ? await store.store(key, { username, secret: answer.IdentityToken, identityToken: true })
    : await store.store(key, { username, secret: password });
  if (saved.location === store.configPath) {
    err(
      `WARNING! Your credentials are stored unencrypted in '${store.configPath}'.\n` +
        'Configure a credential helper (credsStore in that file) to keep them elsewhere.',
    );
  }
  out(`${answer.Status || 'Login Succeeded'}\n`);
  return 0;
}

/** `skiff logout [SERVER]`: removes the stored login from the helper and the docker config. */
export async function logout(_ctx: CliContext, server: string | undefined): Promise<number> {
  const store = new DockerConfigStore(defaultDockerConfigPath());
  const { key, found } = await store.erase(server);
  out(found ? `Removing login credentials for ${key}\n` : `Not logged in to ${key}\n`);
  return 0;
}
