#!/usr/bin/env bash
# Prepares this machine for Skiff: system packages, kernel features, cgroup layout.
# Idempotent and quiet when everything is already there; says precisely what is missing.
set -euo pipefail

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "Skiff's engine needs root on Linux (rootless is a later goal): run this as root, e.g. with sudo"

# Binary → Debian package that provides it.
declare -A PACKAGES=(
  [crun]=crun
  [runc]=runc
  [ip]=iproute2
  [busybox]=busybox-static
  [mmdebstrap]=mmdebstrap
  [skopeo]=skopeo
  [docker-registry]=docker-registry
  [setfattr]=attr
  [zstd]=zstd
  [iptables]=iptables
  [newuidmap]=uidmap
  [mount]=mount
  # --init (Docker's docker-init): the static tini, bind-mounted into containers whatever their libc.
  [tini-static]=tini
  # The engine's native addon (node-gyp: a C compiler, make, python3); the test suites: a static
  # server for the shell-less image, TLS certificates, a pseudo-terminal.
  [make]=make
  [python3]=python3
  [g++]=g++
  [openssl]=openssl
  [script]=bsdutils
)
missing=()
for bin in "${!PACKAGES[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${PACKAGES[$bin]}")
done
# busybox must be the static build: it is copied into images.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
# `npm test` also runs the core suite against a Docker daemon (SKIFF_SETUP_DOCKER=1): Debian's docker.io.
if [ "${SKIFF_SETUP_DOCKER:-0}" = 1 ]; then
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # docker.io (and containerd) would start their daemons from the package scripts: refuse that, the
  # test set-up starts a private dockerd itself. Only a policy we wrote is removed again.
  policy=
  if [[ " ${missing[*]} " == *" docker.io "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by skiff scripts/lib/setup-host.sh while installing docker.io\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy=/usr/sbin/policy-rc.d
  fi
  installed=0
  if apt-get update -qq; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && installed=1
  else
    installed=-1
  fi
  [ -z "$policy" ] || rm -f "$policy"
  [ "$installed" != -1 ] || die "apt-get update failed: check the Debian mirror in /etc/apt/sources.list"
  [ "$installed" = 1 ] || die "apt-get install ${missing[*]} failed"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"

# Kernel features.
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "the kernel has no overlayfs (CONFIG_OVERLAY_FS): container root filesystems need it"
unshare --mount --pid --net --uts --ipc --fork true 2>/dev/null \
  || die "cannot create namespaces (unshare -m -p -n -u -i failed): the kernel or a seccomp/LSM policy forbids them"
[ -d /sys/fs/cgroup ] || die "no cgroup filesystem at /sys/fs/cgroup"

# crun refuses a hybrid cgroup layout whose cgroup2 root still owns a controller (here: hugetlb).
# Binding that controller to a v1 hierarchy, as systemd's legacy mode would, makes crun work.
if [ -f /sys/fs/cgroup/unified/cgroup.controllers ] && [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
  for ctrl in $(cat /sys/fs/cgroup/unified/cgroup.controllers); do
    log "binding cgroup controller '$ctrl' to a v1 hierarchy so crun accepts the hybrid layout"
    mkdir -p "/sys/fs/cgroup/$ctrl"
    mountpoint -q "/sys/fs/cgroup/$ctrl" || mount -t cgroup -o "$ctrl" cgroup "/sys/fs/cgroup/$ctrl" \
      || log "could not bind $ctrl; the engine falls back to runc"
  done
fi
