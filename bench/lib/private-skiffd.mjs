// A skiffd of a benchmark's own: temp SKIFF_ROOT, SKIFF_SCRATCH and socket under /dev/shm (the real
// defaults are never touched), an ephemeral engine that removes its state on exit, and the small
// HTTP helpers the engine benchmarks time requests with. Not a benchmark itself: run.mjs lists only
// bench/*.mjs.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketAnswers } from '../../engine/dist/api/unix-socket.js';

const skiffd = fileURLToPath(new URL('../../engine/bin/skiffd.js', import.meta.url));

/** Median and p95 (nearest rank) of a list of samples. */
export const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
};

/**
 * Starts skiffd on a private socket and waits until it answers. `name` goes into the temp dir and
 * the engine name. The returned `stop()` ends the daemon by its pid and removes the temp dir.
 * `root` keeps the engine's state in a lasting dir instead (warm caches between bench runs); the
 * engine is ephemeral only with the temp root, so its default bridge goes with it.
 */
export async function startPrivateSkiffd(name, { root } = {}) {
  const base = await mkdtemp(`/dev/shm/skiff-bench-${name}-`);
  const socketPath = path.join(base, 'skiff.sock');
  const env = {
    ...process.env,
    SKIFF_ROOT: root ?? path.join(base, 'root'),
    SKIFF_SCRATCH: path.join(base, 'scratch'),
    SKIFF_HOST: `unix://${socketPath}`,
    SKIFF_ENGINE_NAME: `bench-${name}-${process.pid}`,
    SKIFF_LOG_LEVEL: 'warn',
    ...(root === undefined ? { SKIFF_EPHEMERAL: '1' } : {}),
  };
  const daemon = spawn(process.execPath, [skiffd, '--detached'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  const agent = new Agent({ keepAlive: true });

  const stop = async () => {
    agent.destroy();
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGTERM');
    await exited;
    await rm(base, { recursive: true, force: true });
  };

  /** One JSON request; rejects with method, path, status and body on a status of 300 or more. */
  const api = (method, p, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath,
          agent,
          method,
          path: `/v1.45${p}`,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        },
        (res) => {
          const parts = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString();
            if (res.statusCode >= 300) reject(new Error(`${method} ${p}: ${res.statusCode} ${text}`));
            else resolve(text ? JSON.parse(text) : undefined);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  /** A raw GET whose body comes back as text (logs). */
  const getText = (p) =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath, agent, path: `/v1.45${p}` }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts).toString()));
      });
      req.on('error', reject);
      req.end();
    });

  /**
   * Registers a `next-exit` wait. Resolves when the headers arrive (the waiter is registered) with
   * `{ done }`, a promise of the wait result: wrapped, since resolving with a promise would adopt
   * it and wait for the exit.
   */
  const waitExit = (id) =>
    new Promise((resolveHeaders, reject) => {
      const req = request(
        { socketPath, agent, method: 'POST', path: `/v1.45/containers/${id}/wait?condition=next-exit` },
        (res) => {
          const parts = [];
          const done = new Promise((resolve) => {
            res.on('data', (c) => parts.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString())));
          });
          resolveHeaders({ done });
        },
      );
      req.on('error', reject);
      req.end();
    });

  try {
    for (let i = 0; !(await socketAnswers(socketPath)); i++) {
      if (daemon.exitCode !== null || i >= 600) throw new Error('skiffd did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, socketPath, env, api, getText, waitExit, stop };
}
