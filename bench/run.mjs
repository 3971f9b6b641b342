// `npm run bench`: every benchmark of the repository in one run, one after the other so they do
// not disturb each other, with the fixture registry serving test images as docker.io mirror.
// Each script prints its own figures (median and p95, and the comparison it makes side by side).
//   npm run bench [-- engine core …]   (names of bench/*.mjs to run; default: all)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

const here = import.meta.dirname;
const repo = path.resolve(here, '..');
const all = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -'.mjs'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${all.join(', ')}`);
  process.exit(2);
}
const build = spawnSync('npx', ['tsc', '-b'], { cwd: repo, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const failed = [];
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench/${name}.mjs (load average ${loadavg()[0].toFixed(2)}) ===`);
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      path.join(repo, 'scripts/lib/with-fixture-registry.mjs'),
      process.execPath,
      path.join(here, `${name}.mjs`),
    ],
    { cwd: repo, stdio: 'inherit' },
  );
  console.log(`=== ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${result.status} ===`);
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
