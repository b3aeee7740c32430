/* Building the container's root filesystem inside its new mount namespace.
 * Called by the container init (init.c), in this order:
 *   skiff_rootfs_setup()    mounts, devices, /dev symlinks, pivot_root
 *   (terminal setup: needs /dev/pts of the new root, see terminal.h)
 *   skiff_rootfs_finalize() maskedPaths, readonlyPaths, root.readonly
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * (component-walk fallback), never by string concatenation. */
#ifndef SKIFF_LINUX_ROOTFS_H
#define SKIFF_LINUX_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"

typedef struct skiff_rootfs_opts {
  const char *rootfs;   /* absolute host path of root.path (resolved against the bundle) */
  const char *bundle;   /* absolute bundle dir: relative bind sources are resolved against it */
  bool no_pivot;        /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
  bool userns;          /* in a new user namespace: bind devices instead of mknod */
  bool new_cgroupns;    /* cgroup namespace unshared: mount cgroups accordingly */
  const struct skiff_lsm *lsm; /* linux.mountLabel (lsm.h); may be NULL */
  const int *idmap_fds; /* per spec->mounts entry: detached idmapped source or -1; may be NULL */
  /* Called after the mounts and devices, before pivot_root: where the
   * createRuntime/createContainer hooks run. May be NULL. */
  int (*before_pivot) (void *data, skiff_error **err);
  void *before_pivot_data;
} skiff_rootfs_opts;

/* Make the mount tree private (or linux.rootfsPropagation), bind the rootfs,
 * perform spec->mounts in order, create linux.devices and the default devices
 * (null zero full random urandom tty, ptmx -> pts/ptmx, /dev/fd,stdin,stdout,
 * stderr symlinks, /dev/shm, /dev/pts when configured), then pivot_root (or
 * chroot with no_pivot) and chdir("/"). On return "/" is the container root. */
int skiff_rootfs_setup (const oci_spec *spec, const skiff_rootfs_opts *opts, skiff_error **err);

/* After pivot: maskedPaths (host-owned /dev/null or an empty ro tmpfs),
 * readonlyPaths (ro bind remount), then root.readonly (remount / ro) and set
 * rootfsPropagation on "/" if requested. */
int skiff_rootfs_finalize (const oci_spec *spec, const skiff_rootfs_opts *opts, skiff_error **err);

#endif
