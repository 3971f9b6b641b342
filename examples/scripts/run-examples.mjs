// `npm run -w @skiff/examples start` (the README's main job, after set-up, build and fixtures):
// runs the example suite with both runners, vitest then jest, on one engine, and prints wall times.
//
// Engine: $SKIFF_HOST when set (a harness's engine). Otherwise a skiffd of this run's own, on a
// private socket, over the machine's store ($SKIFF_ROOT, default /var/lib/skiff), stopped (with
// everything it ran) at the end. Images come from $SKIFF_REGISTRY_MIRRORS when set, else from the
// fixture registry `npm run fixtures` made under /var/cache/skiff, served on loopback for the run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const examples = path.resolve(import.meta.dirname, '..');
const repo = path.resolve(examples, '..');
const log = (msg) => process.stderr.write(`[example] ${msg}\n`);

function run(command, args, env) {
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: examples, env, stdio: 'inherit' });
    child.on('exit', (code, signal) =>
      resolve({ ok: code === 0, code: code ?? signal, ms: performance.now() - began }),
    );
  });
}

async function startRegistry() {
  const cache = process.env.SKIFF_FIXTURES_CACHE ?? '/var/cache/skiff';
  const root = path.join(cache, 'registry');
  if (!existsSync(path.join(root, 'fixtures.json'))) {
    throw new Error(
      `no fixture registry at ${root}: run \`npm run fixtures\` first (or set SKIFF_REGISTRY_MIRRORS)`,
    );
  }
  const helpers = path.join(repo, 'scripts/lib/fixtures/fixture-services.mjs');
  const { startFixtureRegistry } = await import(helpers);
  return startFixtureRegistry(root);
}

async function startEngine(mirror) {
  const dir = mkdtempSync('/run/skiff-examples-');
  const socket = path.join(dir, 'skiff.sock');
  const env = {
    ...process.env,
    SKIFF_HOST: `unix://${socket}`,
    // One name: its state directory is reused, not piled up, run after run (--ephemeral empties it).
    SKIFF_ENGINE_NAME: 'examples',
    SKIFF_REGISTRY_MIRRORS: mirror,
    SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'warn',
  };
  const daemon = spawn(
    process.execPath,
    [path.join(repo, 'engine/bin/skiffd.js'), '--foreground', '--ephemeral'],
    {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  for (let i = 0; !existsSync(socket); i++) {
    if (daemon.exitCode !== null || i > 600)
      throw new Error('the example engine did not start (see its log above)');
    await sleep(50);
  }
  return {
    host: env.SKIFF_HOST,
    async stop() {
      if (daemon.exitCode === null) daemon.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const began = performance.now();
  let registry;
  let engine;
  let host = process.env.SKIFF_HOST;
  try {
    if (!host) {
      let mirror = process.env.SKIFF_REGISTRY_MIRRORS;
      if (!mirror) {
        registry = await startRegistry();
        mirror = registry.url;
      }
      engine = await startEngine(mirror);
      host = engine.host;
      log(`engine ${host} (images from ${mirror})`);
    }
    const env = { ...process.env, SKIFF_HOST: host };
    const node = process.execPath;
    log('vitest: tests/vitest with the skiff() plugin');
    const vitest = await run(node, [path.join(repo, 'node_modules/vitest/vitest.mjs'), 'run'], env);
    log('jest: tests/jest with preset @skiff/jest');
    const jest = await run(
      node,
      [
        '--experimental-vm-modules',
        '--no-warnings=ExperimentalWarning',
        path.join(repo, 'node_modules/jest/bin/jest.js'),
      ],
      env,
    );
    const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
    log(`vitest ${vitest.ok ? 'passed' : `failed (${vitest.code})`} in ${s(vitest.ms)}`);
    log(`jest ${jest.ok ? 'passed' : `failed (${jest.code})`} in ${s(jest.ms)}`);
    log(`example suite: ${s(performance.now() - began)} wall time`);
    const passed = [vitest, jest].filter((r) => r.ok).length;
    console.log(`example runners: ${passed} passed, ${2 - passed} failed`);
    process.exitCode = passed === 2 ? 0 : 1;
  } finally {
    await engine?.stop();
    await registry?.close();
  }
}

main().catch((err) => {
  log(`failed: ${err.message}`);
  process.exit(1);
});
