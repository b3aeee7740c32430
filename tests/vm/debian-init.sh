#!/bin/sh
# /init of the Debian VM's initramfs (busybox, built by debvm.py).
#
# Loads the modules the kernel needs to reach its root (virtio, ext4, 9p),
# mounts the image (/dev/vda; qemu -snapshot keeps the cached file intact)
# and the host's /lib/modules (9p, read-only: the image carries no kernel, so
# modprobe inside finds the booted kernel's modules), then hands PID 1 to
# systemd.  Any failure powers the VM off at once: the host reports the
# console instead of waiting for its timeout.
export PATH=/bin
die() {
	echo "skiff-vm: $*"
	poweroff -f
}

mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
while read -r m; do
	insmod "/lib/modules/$m" || echo "skiff-vm: insmod $m failed"
done < /lib/modules/modules.order
# virtio_blk probes the disk asynchronously
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
mkdir -p /newroot
mount -t ext4 /dev/vda /newroot || die "cannot mount /dev/vda (ext4)"
# /sbin/init is an absolute symlink: test its target inside the image
[ -x /newroot/lib/systemd/systemd ] || die "no /lib/systemd/systemd in the image"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro modules /newroot/lib/modules ||
	die "cannot mount the modules share"
mount --move /dev /newroot/dev
umount /proc
exec switch_root /newroot /sbin/init
