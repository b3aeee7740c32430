#!/bin/sh
# Median `podman run --rm` time with skiff and with runc as podman's OCI
# runtime, in one hyperfine run, on a private podman storage with a busybox
# image made from Debian's busybox-static. Usage: podman-run.sh PATH-TO-SKIFF
set -eu
skiff=$(readlink -f "${1:?usage: podman-run.sh PATH-TO-SKIFF}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/skiff-podman-bench.XXXXXX)
cleanup() {
  podman $store rm -af >/dev/null 2>&1 || true
  podman $store rmi -af >/dev/null 2>&1 || true
  grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
store="--root $work/storage --runroot $work/run --tmpdir $work/tmp --cgroup-manager cgroupfs --events-backend file"
"$here/../tests/rootfs/make-busybox-rootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -c . | podman $store import - localhost/skiff-bench >/dev/null
# podman picks runtime behaviour by the binary's name: call them runc/skiff.
mkdir -p "$work/bin"
ln -s /usr/sbin/runc "$work/bin/runc"
ln -s "$skiff" "$work/bin/skiff"
opts="--rm --network none --ulimit nofile=20000:20000 --ulimit nproc=1000:1000"
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$work/podman.json" \
  -n skiff "podman $store --runtime $work/bin/skiff run $opts localhost/skiff-bench true" \
  -n runc "podman $store --runtime $work/bin/runc run $opts localhost/skiff-bench true" >&2
/usr/bin/python3 - "$work/podman.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
s, c = r["skiff"]["median"] * 1e3, r["runc"]["median"] * 1e3
print("podman run --rm median: skiff %.1f ms, runc %.1f ms (skiff/runc %.2f)" % (s, c, s / c))
PY
