#!/usr/bin/env bash
# Two stand-in hosts on this machine for multi-node tests: two network namespaces joined by a
# veth pair, each with its own loopback and one address on a shared /24.
#
#   scripts/netns.sh up            create <prefix>0 (10.77.0.1) and <prefix>1 (10.77.0.2)
#   scripts/netns.sh down          remove them (and stop what still runs inside them)
#   scripts/netns.sh exec 0|1 CMD  run CMD inside <prefix>0 or <prefix>1 (a full name works too)
#   scripts/netns.sh check         exit 0 if this machine lets us create namespaces, else say why
#
# NETNS_PREFIX (default tn) names the pair, so that two runs at once need not collide:
# NETNS_PREFIX=tnx42 gives tnx420/tnx421, veths tnx420v/tnx421v (interface names: 15 chars at
# most, so keep the prefix within 12). NETNS_SUBNET (default 10.77.0) gives the addresses .1, .2.
# Needs iproute2 and root (CAP_SYS_ADMIN to mount the namespace, CAP_NET_ADMIN for the links),
# or passwordless sudo. Exits 2 with the reason when that is missing.
set -euo pipefail

prefix=${NETNS_PREFIX:-tn}
subnet=${NETNS_SUBNET:-10.77.0}
ns0=${prefix}0
ns1=${prefix}1
me="scripts/netns.sh"

die() {
  echo "$me: $*" >&2
  exit 2
}

[ ${#prefix} -le 12 ] || die "NETNS_PREFIX '$prefix' is too long: interface names have 15 characters at most"
command -v ip >/dev/null 2>&1 || die "no 'ip' command: install iproute2"

# Root runs ip directly; anyone else needs sudo that asks no password.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    die "creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) or passwordless sudo; running as uid $(id -u) without them"
  fi
fi
ipc() { "${as_root[@]}" ip "$@"; }

exists() { ipc netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

check() {
  local probe="${prefix}probe$$" err
  if ! err=$(ipc netns add "$probe" 2>&1); then
    die "this machine does not let us create a network namespace (ip netns add: ${err})"
  fi
  if ! err=$(ipc link add "${probe:0:12}a" type veth peer name "${probe:0:12}b" 2>&1); then
    ipc netns delete "$probe" 2>/dev/null || true
    die "this machine does not let us create a veth pair (ip link add: ${err})"
  fi
  ipc link delete "${probe:0:12}a" 2>/dev/null || true
  ipc netns delete "$probe"
}

down() {
  for ns in "$ns0" "$ns1"; do
    exists "$ns" || continue
    # a process left inside would keep the namespace (and its veth end) alive after delete
    for pid in $(ipc netns pids "$ns" 2>/dev/null); do "${as_root[@]}" kill -9 "$pid" 2>/dev/null || true; done
    ipc netns delete "$ns"
  done
  # deleting a namespace deletes the veth end inside it, and with it its peer
  ipc link delete "${ns0}v" 2>/dev/null || true
}

up() {
  check # a clear reason when this machine forbids it, before half a setup
  down
  ipc netns add "$ns0"
  ipc netns add "$ns1"
  ipc link add "${ns0}v" type veth peer name "${ns1}v"
  ipc link set "${ns0}v" netns "$ns0"
  ipc link set "${ns1}v" netns "$ns1"
  ipc -n "$ns0" addr add "${subnet}.1/24" dev "${ns0}v"
  ipc -n "$ns1" addr add "${subnet}.2/24" dev "${ns1}v"
  for ns in "$ns0" "$ns1"; do
    ipc -n "$ns" link set lo up
    ipc -n "$ns" link set "${ns}v" up
  done
  echo "$me: $ns0 has ${subnet}.1 and $ns1 has ${subnet}.2 (remove with: $me down)"
}

case "${1:-}" in
  up) trap 'echo "$me: up failed; removing what was made" >&2; down' ERR; up ;;
  down) down ;;
  check) check ;;
  exec)
    [ $# -ge 3 ] || die "usage: $me exec 0|1|NAME CMD [ARGS...]"
    ns=$2
    case "$ns" in 0) ns=$ns0 ;; 1) ns=$ns1 ;; esac
    exists "$ns" || die "no network namespace '$ns': run $me up first"
    shift 2
    exec "${as_root[@]}" ip netns exec "$ns" "$@"
    ;;
  *) die "usage: $me up | down | exec 0|1 CMD [ARGS...] | check" ;;
esac
