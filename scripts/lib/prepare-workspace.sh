#!/usr/bin/env bash
# Installs npm dependencies (only when the lock file changed) and builds every package.
set -euo pipefail
cd "$(dirname "$0")/../.."

stamp=node_modules/.skiff-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
echo "[setup] building" >&2
npx tsc -b

# The engine's native addon (mount(2) and the like without spawning a process per call). npm 11
# runs no install scripts, and this one is ours anyway: built here with npm's own node-gyp against
# the running node's headers (no download). Without it the engine spawns mount/umount (slower).
addon=engine/src/os/native
built="$addon/build/Release/skiff_os.node"
if [ ! -f "$built" ] || [ -n "$(find "$addon" -maxdepth 1 -type f -newer "$built" -print -quit)" ]; then
  echo "[setup] building the engine's native addon" >&2
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  nodedir=$(node -p 'require("node:path").resolve(process.execPath, "../..")')
  if [ ! -f "$nodedir/include/node/node_api.h" ]; then
    echo "[setup] warning: no node headers under $nodedir/include/node: the engine will spawn mount/umount" >&2
  elif ! out=$(cd "$addon" && node "$gyp" rebuild --nodedir="$nodedir" --loglevel=error 2>&1); then
    printf '%s\n' "$out" >&2
    echo "[setup] warning: the native addon did not build: the engine will spawn mount/umount" >&2
  fi
fi
