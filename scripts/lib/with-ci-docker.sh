#!/usr/bin/env bash
# Runs a command next to a private Docker daemon (Debian's docker.io), for the core suite against
# Docker (issue 7, "both engines, tested"):
#   bash scripts/lib/with-ci-docker.sh COMMAND [ARGS…]
# The command gets SKIFF_TEST_DOCKER_HOST=unix:///run/skiff-ci-docker.sock. The daemon has its own
# data root (kept under /var/cache/skiff/docker, so loaded images survive between runs), exec root,
# pid file and socket; it writes no iptables rules, makes no default bridge and forwards nothing
# (suites make their own networks and remove them). The fixture images are loaded from Skiff's
# `save` when the daemon lacks them. dockerd is stopped by its pid when the command ends, failed
# or not, after removing every container and user network it still has; what it could leave
# behind (its containerd, mounts) is checked and removed.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '[docker] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$#" -gt 0 ] || die "usage: with-ci-docker.sh COMMAND [ARGS…]"
command -v dockerd >/dev/null 2>&1 || die "dockerd is missing: SKIFF_SETUP_DOCKER=1 bash scripts/lib/setup-host.sh installs docker.io"
command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (Debian's docker.io has one)"

CACHE=${SKIFF_FIXTURES_CACHE:-/var/cache/skiff}
DATA_ROOT=$CACHE/docker
EXEC_ROOT=/run/skiff-ci-docker
SOCKET=/run/skiff-ci-docker.sock
PIDFILE=/run/skiff-ci-docker.pid
LOG=/run/skiff-ci-docker.log
export DOCKER_HOST=unix://$SOCKET

# Stops a process by pid (SIGTERM, then SIGKILL after $2 seconds) and waits until it is gone.
stop_pid() {
  local pid=$1 grace=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "pid $pid did not stop within ${grace} s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# Processes whose command line names our exec root: dockerd's own containerd and its shims.
our_processes() {
  local pid
  for pid in $(pgrep -f -- "$EXEC_ROOT" || true); do
    [ "$pid" = "$$" ] || echo "$pid"
  done
}

# Removes what a daemon of ours (this run's, or one killed before its trap ran) left behind.
clean_up_after_dockerd() {
  local pid m
  for pid in $(our_processes); do
    log "stopping a leftover process of the private daemon: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-120)"
    stop_pid "$pid" 10
  done
  for m in $(awk -v a="$EXEC_ROOT" -v b="$DATA_ROOT" '$5 == a || index($5, a "/") == 1 || index($5, b "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    log "unmounting a leftover mount: $m"
    umount -l "$m" || true
  done
  rm -f "$SOCKET" "$PIDFILE"
}

stop_dockerd() {
  local status=$?
  if [ -n "${DOCKERD_PID:-}" ]; then
    # The daemon is private: whatever the suites left goes now — containers their sessions' reapers
    # had no time to remove (they sweep after a grace period) and networks — or they would come
    # back at the next start as stale sandboxes and bridges.
    ids=$(docker ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
    docker network prune -f >/dev/null 2>&1 || true
    stop_pid "$DOCKERD_PID" 30
    log "dockerd (pid $DOCKERD_PID) stopped"
  fi
  clean_up_after_dockerd
  if [ "$status" -ne 0 ] && [ -f "$LOG" ]; then
    log "the daemon's last log lines ($LOG):"
    tail -n 20 "$LOG" >&2 || true
  fi
  exit "$status"
}

# A daemon of an earlier run that died before stopping it.
if [ -f "$PIDFILE" ]; then
  old=$(cat "$PIDFILE")
  if kill -0 "$old" 2>/dev/null && tr '\0' ' ' </proc/"$old"/cmdline | grep -q -- "$SOCKET"; then
    log "stopping the private dockerd of an earlier run (pid $old)"
    stop_pid "$old" 30
  fi
fi
clean_up_after_dockerd

mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
# An empty configuration of its own: nothing from /etc/docker/daemon.json applies.
echo '{}' >"$EXEC_ROOT/daemon.json"
trap stop_dockerd EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "starting dockerd on $SOCKET (data root $DATA_ROOT)"
dockerd \
  --config-file "$EXEC_ROOT/daemon.json" \
  --data-root "$DATA_ROOT" \
  --exec-root "$EXEC_ROOT" \
  --pidfile "$PIDFILE" \
  -H "unix://$SOCKET" \
  --iptables=false \
  --ip-forward=false \
  --ip-masq=false \
  --bridge=none \
  >"$LOG" 2>&1 &
DOCKERD_PID=$!
for i in $(seq 1 600); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || die "dockerd exited at start; its log: $(tail -n 20 "$LOG")"
  [ "$i" -lt 600 ] || die "dockerd did not answer on $SOCKET within 60 s"
  sleep 0.1
done
log "dockerd $(docker version --format '{{.Server.Version}}') is up (pid $DOCKERD_PID)"

node scripts/lib/fixtures/load-into-docker.mjs "unix://$SOCKET"

SKIFF_TEST_DOCKER_HOST=unix://$SOCKET "$@"
