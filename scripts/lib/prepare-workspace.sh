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
