// Runs a command while Skiff's registry serves the fixture images on loopback, with the
// environment pointing engines at it as their docker.io mirror:
//   node scripts/lib/with-fixture-registry.mjs npx vitest run
// Every engine the command starts (skiffd on demand, per-test engines) pulls `busybox:1.35`,
// `debian:bookworm`, `redis:7` and `postgres:15` through the real registry code path.
import { spawn } from 'node:child_process';
import { REGISTRY_ROOT } from './fixtures/fixture-cache.mjs';
import { startFixtureRegistry } from './fixtures/fixture-services.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-fixture-registry.mjs COMMAND [ARGS…]');
  process.exit(2);
}
const registry = await startFixtureRegistry(REGISTRY_ROOT);
const mirrors = [registry.url, process.env.SKIFF_REGISTRY_MIRRORS].filter(Boolean).join(',');
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, SKIFF_REGISTRY_MIRRORS: mirrors, SKIFF_FIXTURE_REGISTRY: registry.host },
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', async (code, signal) => {
  await registry.close();
  process.exit(code ?? (signal ? 128 + 1 : 1));
});
