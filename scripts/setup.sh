#!/usr/bin/env bash
# Set up everything qnfv needs on a fresh Debian 12 machine, idempotently:
# Debian packages (only the missing ones), npm packages, the TypeScript build
# and the TUN addon. `--test` adds what the test suite needs (independent
# peers and validators: Scapy, ncclient, yanglint, tshark, OpenSSH client,
# redis-server for the Redis store tests, and the docker VIM driver's dockerd,
# Open vSwitch and busybox, whose daemons are started when they are not running).
# Run as root: the demo and tests create network namespaces and TUN devices.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    *) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. Debian packages: install only what is missing.
pkgs=(iproute2 iputils-ping tcpdump procps g++ make python3 openssh-client openssl)
if [ "$want_test" = 1 ]; then
  # redis-server: the RedisStore tests start their own throw-away server (no system service needed).
  pkgs+=(python3-scapy python3-ncclient libyang2-tools tshark curl ethtool redis-server)
  # The docker VIM driver (vim/docker): dockerd (+ docker-init from tini for Init: true),
  # Open vSwitch with the userspace datapath, busybox for the router image's log redirection.
  pkgs+=(docker.io tini openvswitch-switch openvswitch-common busybox)
fi
if [ "$want_bench" = 1 ]; then
  # bench:tunnel compares with wireguard-go and measures with iperf3; bench:ccips uses Scapy;
  # bench:nbi starts its own redis-server; bench:instantiate uses the docker VIM driver (dockerd, OVS).
  pkgs+=(iperf3 wireguard-go wireguard-tools python3-scapy redis-server docker.io tini openvswitch-switch openvswitch-common busybox)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "[setup] missing Debian packages: ${missing[*]}" >&2
    echo "[setup] run this script as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 1b. Daemons of the docker VIM driver, when their packages are installed (no systemd here):
#     dockerd unless /var/run/docker.sock answers, ovsdb-server + ovs-vswitchd unless running.
if command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/qnfv-dockerd.log)"
    setsid dockerd >>/var/log/qnfv-dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
      docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      echo "[setup] dockerd did not answer within 30 s; see /var/log/qnfv-dockerd.log" >&2
      exit 1
    fi
  fi
fi
if [ -x /usr/share/openvswitch/scripts/ovs-ctl ] && [ "$(id -u)" = 0 ]; then
  if ! /usr/share/openvswitch/scripts/ovs-ctl status >/dev/null 2>&1; then
    say "starting Open vSwitch (ovsdb-server, ovs-vswitchd)"
    # The bridges use the userspace (netdev) datapath: no kernel module needed. ovs-ctl gives
    # up when the kernel has modules but no openvswitch one; then start ovs-vswitchd itself.
    if ! /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random --no-mlockall >/dev/null 2>&1; then
      /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random --no-ovs-vswitchd >/dev/null
      ovs-vswitchd --pidfile --detach --log-file unix:/var/run/openvswitch/db.sock
    fi
    ovs-vsctl --timeout=10 show >/dev/null
  fi
fi

# 2. Node.js version.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("[setup] Node.js >= 20.19 is required, found "+process.version); process.exit(1); }'

# 3. npm packages (skipped when node_modules matches the lock file). `npm install`, not
#    `npm ci`: the registry mirror here lacks some other-platform optional packages that the
#    lock file would have to list, and `npm ci` refuses a lock file without them.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

# 4. Build: the native addons (TUN I/O, ESP crypto on OpenSSL; node-gyp, offline thanks to
#    nodedir=/usr in .npmrc) when missing or older than their sources, then the TypeScript.
stale=0
for pair in qnfv_tun:virtual-router/tun/native/tun.c qnfv_esp:virtual-router/esp/native/esp-crypto.c; do
  addon="build/Release/${pair%%:*}.node"; src="${pair#*:}"
  if [ ! -f "$addon" ] || [ "$src" -nt "$addon" ] || [ binding.gyp -nt "$addon" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  say "building the native addons"
  npm run --silent build:native >/dev/null
fi
say "compiling TypeScript"
npm run --silent build
# `npx qnfv` finds the command in node_modules/.bin first (npm does not link a
# project's own bin there, and npx's cache of the project can go stale).
ln -sf ../../dist/bin/qnfv.js node_modules/.bin/qnfv
say "ready"
