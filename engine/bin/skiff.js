#!/usr/bin/env node
// The `skiff` CLI. Runs the build output: `npx tsc -b` (or `npm run build`) first.
import { main } from '../dist/cli/main.js';

await main();
