#!/usr/bin/env node
// The `skiffd` daemon. Runs the build output: `npx tsc -b` (or `npm run build`) first.
import { runDaemon } from '../dist/daemon/main.js';

process.exit(await runDaemon());
