#!/usr/bin/env bash
# What the test run left on the machine: Skiff's links (bridges, veths) and network namespaces,
# mounts under Skiff's temp directories, skiffd/crun/runc/dockerd processes.
#   bash scripts/lib/leftovers.sh snapshot FILE   # before the suites
#   bash scripts/lib/leftovers.sh report FILE     # after: prints what is new since, exits 0
# Only what appeared after the snapshot is reported, so objects of other engines on the machine
# (another run, a developer's skiffd) are not blamed on this one.
set -euo pipefail

state() {
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(skf|veth)' | sed 's/^/link /' || true
  ip netns list 2>/dev/null | awk '{print "netns " $1}' | grep ' skf-' || true
  awk '$5 ~ /skiff/ {print "mount " $5}' /proc/self/mountinfo
  ps -eo pid=,args= | awk '{ n = split($2, p, "/"); b = p[n] }
    b ~ /^(crun|runc|dockerd|containerd|containerd-shim.*)$/ || $0 ~ /skiffd\.js/ { print "process " substr($0, 1, 160) }'
}

case "${1:-}" in
  snapshot) state | sort -u >"$2" ;;
  report)
    new=$(comm -13 "$2" <(state | sort -u) || true)
    if [ -n "$new" ]; then
      printf '[test] left on the machine after the suites (new since they started):\n%s\n' "$new" >&2
    else
      echo "[test] nothing left on the machine: no new skiff links, namespaces, mounts or engine processes" >&2
    fi
    ;;
  *) echo "usage: leftovers.sh snapshot|report FILE" >&2; exit 2 ;;
esac
