/**
 * vitest `globalSetup` of the e2e project: builds every package once per run, since the suites run
 * skiffd, the `skiff` CLI and child processes from the build output. `npm test` has built already
 * and says so with `SKIFF_TEST_BUILT=1`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO } from './paths.js';

export default async function buildOnce(): Promise<void> {
  if (process.env.SKIFF_TEST_BUILT === '1') return;
  await promisify(execFile)('npx', ['tsc', '-b'], { cwd: REPO }).catch((err: { stdout?: string }) => {
    throw new Error(`tsc -b failed before the e2e suites:\n${err.stdout ?? String(err)}`);
  });
}
