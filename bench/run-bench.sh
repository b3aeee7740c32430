#!/bin/sh
# Run bench/bench.py inside a private mount namespace where the hybrid
# cgroup2 mount is hidden, so crun (which refuses hybrid layouts) runs too;
# skiff and runc run in the same namespace for a fair comparison.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skiff=${1:?usage: run-bench.sh PATH-TO-SKIFF [bench.py args]}
shift
for pkg in hyperfine runc crun busybox-static valgrind; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="${missing:-} $pkg"
done
if [ -n "${missing:-}" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi
# The state roots go on a tmpfs of this namespace (see bench.py --roots).
roots=$(mktemp -d /tmp/skiff-bench-roots.XXXXXX)
trap 'rmdir "$roots"' EXIT
unshare -m --propagation private sh -c '
  if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
  mount -t tmpfs -o mode=0700 skiff-bench "$1" || exit 1
  r=$1 s=$2; shift 2
  exec /usr/bin/python3 "$0" --skiff "$s" --roots "$r" "$@"' "$here/bench.py" "$roots" "$skiff" "$@"
