/** The CNCF registry (Debian's docker-registry) on a free loopback port, for interop with a registry Skiff did not write. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './servers.js';

export interface CncfRegistryOptions {
  /** An htpasswd file (bcrypt entries): Basic auth. */
  htpasswd?: string;
  /** A token server to trust: bearer tokens as Docker Hub hands them out. */
  token?: { realm: string; service: string; issuer: string; certFile: string };
  /** Log every request at info level and record it in `requests` (default: warnings only). */
  accessLog?: boolean;
}

export interface CncfRegistry {
  /** `127.0.0.1:<port>`, as image references name it. */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** With `accessLog`: the requests served so far, as `METHOD /v2/…` lines. */
  requests: string[];
  /** What the registry printed. */
  log(): string;
  stop(): Promise<void>;
}

async function waitUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`docker-registry did not come up: ${log()}`);
}

/** Starts the registry with its storage and config under `dir` (a temp dir of its own, removed on stop, when omitted). */
export async function startCncfRegistry(
  dir?: string,
  options: CncfRegistryOptions = {},
): Promise<CncfRegistry> {
  const own = dir === undefined;
  const root = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'skiff-cncf-registry-')));
  const port = await freePort();
  const auth = options.htpasswd
    ? `auth:\n  htpasswd:\n    realm: test\n    path: ${options.htpasswd}\n`
    : options.token
      ? `auth:\n  token:\n    realm: ${options.token.realm}\n    service: ${options.token.service}\n    issuer: ${options.token.issuer}\n    rootcertbundle: ${options.token.certFile}\n`
      : '';
  const logConfig = options.accessLog
    ? 'log:\n  level: info\n  accesslog:\n    disabled: false\n'
    : 'log:\n  level: warn\n';
  const config = `version: 0.1
${logConfig}storage:
  filesystem:
    rootdirectory: ${path.join(root, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`;
  const file = path.join(root, 'config.yml');
  await writeFile(file, config);
  const child = spawn('/usr/bin/docker-registry', ['serve', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const requests: string[] = [];
  const onLog = (c: Buffer) => {
    const text = c.toString();
    out += text;
    for (const m of text.matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\/v2\/[^ ]*) HTTP/g))
      requests.push(`${m[1]} ${m[2]}`);
  };
  child.stdout?.on('data', onLog);
  child.stderr?.on('data', onLog);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    if (own) await rm(root, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  try {
    await waitUp(`http://${host}/v2/`, child, () => out);
  } catch (err: unknown) {
    await stop();
    throw err;
  }
  return { host, url: `http://${host}`, requests, log: () => out, stop };
}
