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
exec unshare -m --propagation private sh -c '
  if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
  s=$1; shift
  exec /usr/bin/python3 "$0" --skiff "$s" "$@"' "$here/bench.py" "$skiff" "$@"
