import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import {
  LinuxNetworkManager,
  type LinuxNetworkManagerOptions,
  type Sandbox,
  type SandboxRequest,
} from '../src/index.js';

/**
 * Real-kernel test helpers. Every test makes its own state dir (hence its own engine id), so it
 * only ever sees and removes namespaces and bridges it created, even while other engineers run
 * theirs on the same machine. A "container" is emulated by processes started inside the sandbox's
 * namespace with `ip netns exec`, which bind-mounts /etc/netns/<ns>/* over /etc — where the
 * sandbox's generated hosts and resolv.conf go, as the engine would bind-mount them.
 */
export const logger = pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' });

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export class Harness {
  readonly managers: LinuxNetworkManager[] = [];
  readonly children = new Set<ChildProcess>();
  readonly dirs: string[] = [];

  async tempDir(prefix = 'skiff-net-'): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async manager(options: Partial<LinuxNetworkManagerOptions> = {}): Promise<LinuxNetworkManager> {
    const stateDir = options.stateDir ?? (await this.tempDir());
    const manager = new LinuxNetworkManager({ stateDir, logger, ...options });
    this.managers.push(manager);
    await manager.init();
    return manager;
  }

  /** Runs a command in the namespace to completion. */
  exec(
    netns: string,
    args: string[],
    timeoutMs = 10_000,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 128, stdout, stderr });
      });
    });
  }

  /** Starts a long-running process in the namespace; killed in cleanup. */
  background(netns: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** An HTTP server on port 80 in the namespace answering `body` (busybox httpd). */
  async httpServer(netns: string, body: string): Promise<void> {
    const www = await this.tempDir('skiff-www-');
    await writeFile(path.join(www, 'index.html'), body);
    this.background(netns, ['busybox', 'httpd', '-f', '-p', '80', '-h', www]);
  }

  /** Writes the sandbox's hosts and resolv.conf where `ip netns exec` mounts them. */
  async installEtc(netns: string, sandbox: Sandbox): Promise<void> {
    const dir = path.join('/etc/netns', netns);
    this.dirs.push(dir);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'hosts'), sandbox.hosts);
    await writeFile(path.join(dir, 'resolv.conf'), sandbox.resolvConf);
  }

  /** `busybox wget` from inside the namespace, retried: the first probe after setup may fail (1 in 93 here). */
  async wget(
    netns: string,
    url: string,
    attempts = 5,
    timeoutS = 3,
  ): Promise<{ ok: boolean; body: string; stderr: string }> {
    let last = { code: 1, stdout: '', stderr: '' };
    for (let i = 0; i < attempts; i++) {
      last = await this.exec(netns, ['timeout', String(timeoutS), 'busybox', 'wget', '-q', '-O', '-', url]);
      if (last.code === 0) return { ok: true, body: last.stdout, stderr: last.stderr };
      await new Promise((r) => setTimeout(r, 200));
    }
    return { ok: false, body: last.stdout, stderr: last.stderr };
  }

  async stopProcesses(): Promise<void> {
    const all = [...this.children];
    for (const child of all) child.kill('SIGKILL');
    await Promise.all(
      all.map(
        (c) =>
          new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))),
      ),
    );
  }

  async cleanup(): Promise<void> {
    await this.stopProcesses();
    for (const m of this.managers.splice(0)) {
      await removeEverything(m).catch(() => {});
    }
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** Releases sandboxes, removes the test's networks and the default bridge: nothing is left in the kernel. */
export async function removeEverything(manager: LinuxNetworkManager): Promise<void> {
  await manager.close();
  await manager.destroy();
}

export function sandboxRequest(containerId: string, over: Partial<SandboxRequest> = {}): SandboxRequest {
  return {
    containerId,
    containerName: containerId,
    hostname: '',
    domainname: '',
    mode: { kind: 'bridge', endpoints: [] },
    ports: [],
    extraHosts: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    ...over,
  };
}

export function containerId(): string {
  return randomBytes(32).toString('hex');
}

export async function kernelSnapshot(engineId: string): Promise<{ netns: string[]; links: string[] }> {
  const { stdout: links } = await run('ip', ['-j', 'link', 'show']);
  const parsed = JSON.parse(links) as { ifname: string; ifalias?: string }[];
  const { stdout: ns } = await run('ip', ['netns', 'list']);
  return {
    netns: ns
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.includes(engineId)),
    links: parsed.filter((l) => l.ifalias?.includes(`:${engineId}:`)).map((l) => l.ifname),
  };
}

export function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}
