#!/bin/sh
# /init of the skiff cgroup-v2 test VM (busybox initramfs, see vmboot.py).
#
# Stage 1 runs as PID 1 on the initramfs: it loads the modules, mounts the 9p
# share and a pure cgroup2 hierarchy, and lets the share's test script run the
# cases that must work on an initramfs root (`run --no-pivot`).  pivot_root(2)
# fails with EINVAL on the initramfs (man 2 pivot_root: "new_root ... must not
# be the rootfs"), so stage 1 then copies the root to a tmpfs and
# switch_roots; stage 2 runs the remaining cases with a normal pivot_root.
# Whatever happens, the VM powers off (panic=-1 + qemu -no-reboot catch a
# dying init too).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TESTS=/share/cgroup-tests.sh

if [ "$1" = stage2 ]; then
	echo "skiff-vm: stage 2 (tmpfs root)"
	[ -f "$TESTS" ] && sh "$TESTS" stage2
	sync
	poweroff -f
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# modules.order lists the modules after their dependencies (modules.dep order).
while read -r m; do
	insmod "/lib/modules/$m" || echo "skiff-vm: insmod $m failed"
done < /lib/modules/modules.order

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /share ||
	echo "skiff-vm: cannot mount the 9p share"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control ||
		echo "skiff-vm: cannot enable controller $c"
done
echo "skiff-vm: stage 1 (initramfs), controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
[ -f "$TESTS" ] && sh "$TESTS" stage1

mkdir -p /newroot
mount -t tmpfs -o mode=0755 tmpfs /newroot
for d in bin sbin lib lib64 usr etc vm init; do
	[ -e "/$d" ] && cp -a "/$d" /newroot/
done
mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/share /newroot/run /newroot/tmp
chmod 1777 /newroot/tmp
for m in share dev sys proc; do
	mount --move "/$m" "/newroot/$m"
done
exec switch_root /newroot /init stage2
