#!/bin/sh
# Build a minimal busybox rootfs in DIR from Debian's busybox-static.
# Usage: make-busybox-rootfs.sh DIR
# Nothing here is committed as a binary: the rootfs is generated at test time.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ]; then
	echo "$0: $busybox not found (apt-get install busybox-static)" >&2
	exit 1
fi
# A dynamically linked busybox would not run inside the bare rootfs.
if ! "$busybox" --list >/dev/null 2>&1; then
	echo "$0: $busybox does not support --list" >&2
	exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp etc root mnt home/tester run var
chmod 1777 tmp
chmod 0700 root
cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# One symlink per applet in bin/ (busybox dispatches on argv[0]).
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "bin/$applet"
done

cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
tester:x:1000:1000:tester:/home/tester:/bin/sh
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
nobody:x:65534:
tester:x:1000:
GROUP
chown 1000:1000 home/tester
: > etc/hostname
: > etc/hosts
: > etc/resolv.conf
