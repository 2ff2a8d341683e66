#!/usr/bin/env bash
# One-time set-up of a checkout on Debian 12: the system packages skiff's
# parts need, kubectl, node_modules and dist/. Called by `npm start`,
# `npm test` and CI; it is a fast no-op when everything is already there,
# so it is safe to run before every command.
#
# It installs packages but never starts or enables their services: skiff
# supervises its own containerd, and tests start their own etcd, registry
# and nginx on loopback ports. Runs as root without a terminal (CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Debian package -> a file that proves it is installed. Probing files first
# keeps the common path free of dpkg/apt calls.
declare -A probe=(
  [containerd]=/usr/bin/containerd
  [runc]=/usr/sbin/runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [busybox-static]=/bin/busybox
  [iptables]=/usr/sbin/iptables
  [etcd-server]=/usr/bin/etcd
  [docker-registry]=/usr/bin/docker-registry
  [skopeo]=/usr/bin/skopeo
  [iproute2]=/usr/sbin/ip
  [openssl]=/usr/bin/openssl
)
# Services whose packages would start them on a systemd machine.
services=(containerd etcd docker-registry nginx)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for pkg in "${!probe[@]}"; do
  if [ ! -e "${probe[$pkg]}" ] && ! installed "$pkg"; then missing+=("$pkg"); fi
done
# Any nginx build serves the tests; nginx-light is the smallest on Debian 12.
need_nginx=0
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then need_nginx=1; fi
need_kubectl=0
command -v kubectl >/dev/null 2>&1 || need_kubectl=1

updated=0
apt_update_once() {
  if [ "$updated" = 0 ]; then
    say "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    updated=1
  fi
}
# Captured, not piped into grep -q: with pipefail an early-closing grep
# would turn apt-cache's SIGPIPE into a false "not available".
has_candidate() { local p; p=$(apt-cache policy "$1" 2>/dev/null) || return 1; [[ $p == *"Candidate: "[!\(]* ]]; }

if [ "${#missing[@]}" -gt 0 ] || [ "$need_nginx" = 1 ] || [ "$need_kubectl" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "missing system packages (${missing[*]}); run this script as root once"
  command -v apt-get >/dev/null 2>&1 || die "missing system packages (${missing[*]}) and no apt-get to install them"
  apt_update_once
fi

if [ "$need_nginx" = 1 ]; then
  if has_candidate nginx-light; then missing+=(nginx-light); else missing+=(nginx); fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  want=()
  for pkg in "${missing[@]}"; do
    if has_candidate "$pkg"; then want+=("$pkg")
    else say "warning: $pkg is not available from apt; the features that need it will not work"; fi
  done
  if [ "${#want[@]}" -gt 0 ]; then
    # policy-rc.d answering 101 stops maintainer scripts from starting the
    # services they install; keep a policy that is already there.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      own_policy=1
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    say "installing ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${want[@]}" >/dev/null || die "apt-get install ${want[*]} failed"
    [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    # On a machine booted with systemd the units are also enabled for the
    # next boot; undo that and stop anything that came up regardless.
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      for svc in "${services[@]}"; do
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
      done
    fi
  fi
fi

if [ "$need_kubectl" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 || true
  command -v kubectl >/dev/null 2>&1 || die "kubectl is missing and 'apt-get install kubectl' did not provide it; install kubectl (1.28 or newer) and re-run"
fi

# node_modules: npm writes node_modules/.package-lock.json after every
# install, so a lock file newer than it means the dependencies changed.
if [ ! -d node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  if [ -f package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi

# dist/: rebuild when any compiled source or the build settings changed.
# Callers that build right after (start.sh, test.sh) set SKIFF_SETUP_SKIP_BUILD=1.
stamp=dist/.tsbuildinfo
if [ "${SKIFF_SETUP_SKIP_BUILD:-0}" = 1 ]; then
  :
elif [ ! -f "$stamp" ] \
  || [ -n "$(find src test bench scripts -name '*.ts' -newer "$stamp" -print -quit 2>/dev/null)" ] \
  || [ tsconfig.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "npm run build"
  npm run --silent build
fi

# kubectl plugins shipped in plugins/ (kubectl finds kubectl-* on PATH):
# `kubectl rolling-update` from the seeds, removed from kubectl in 1.18.
# Linked, not copied: the plugin loads its code from this checkout's dist/.
for plugin in plugins/kubectl-*; do
  [ -x "$plugin" ] || continue
  target="/usr/local/bin/$(basename "$plugin")"
  if [ "$(readlink -f "$target" 2>/dev/null)" != "$(readlink -f "$plugin")" ]; then
    if [ -w /usr/local/bin ]; then
      ln -sf "$(pwd)/$plugin" "$target"
      say "installed $(basename "$plugin") on PATH"
    else
      say "warning: cannot link $plugin into /usr/local/bin (not root); add $(pwd)/plugins to PATH"
    fi
  fi
done
