#!/bin/sh
# Create a demo OCI bundle: DIR/rootfs (busybox) and DIR/config.json from `SKIFF spec`.
# Usage: make-demo-bundle.sh DIR SKIFF
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 DIR SKIFF" >&2
	exit 2
fi
dir=$1
skiff=$2
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$dir"
rm -rf "$dir/rootfs" "$dir/config.json"
"$here/make-busybox-rootfs.sh" "$dir/rootfs"
(cd "$dir" && "$skiff" spec)

python3 - "$dir/config.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    cfg = json.load(f)
cfg["process"]["terminal"] = False
cfg["process"]["args"] = ["/bin/sh", "-c", "echo hello from skiff; id; uname -n"]
with open(path + ".tmp", "w") as f:
    json.dump(cfg, f, indent=2)
    f.write("\n")
import os
os.rename(path + ".tmp", path)
PY
echo "demo bundle ready in $dir"
