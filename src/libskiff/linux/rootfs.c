#include "rootfs.h"
#include "devices.h"
#include "masked.h"
#include "mounts.h"
#include "safe_path.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>

/* Mount point (from mountinfo) of the mount that contains path: the longest
 * mount point that is a path prefix of it. Octal escapes are decoded. */
static char *
containing_mount_point (const char *path, skiff_error **err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    {
      skiff_error_set (err, errno, "open `/proc/self/mountinfo`");
      return NULL;
    }
  cleanup_free char *line = NULL, *best = xstrdup ("/");
  size_t cap = 0, best_len = 1;
  /* getline: overlay lines (long lowerdir lists) exceed any fixed buffer. */
  while (getline (&line, &cap, f) > 0)
    {
      char *mp = NULL;
      if (sscanf (line, "%*s %*s %*s %*s %ms", &mp) != 1)
        continue;
      size_t n = 0;
      for (const char *r = mp; *r; r++)
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7')
          {
            mp[n++] = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
          }
        else
          mp[n++] = *r;
      mp[n] = '\0';
      bool prefix = strncmp (path, mp, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
      if (prefix && n >= best_len)
        {
          free (best);
          best = take_ptr (&mp);
          best_len = n;
        }
      free (mp);
    }
  return take_ptr (&best);
}
/* Propagation of the namespace's "/" as rootfsPropagation asks (default
 * rslave: our mounts must never propagate to the host). pivot_root(2)
 * refuses a shared parent, so the mount holding the rootfs is then made
 * private, as runc does; the container's "/" therefore starts private. */
static int
prepare_root (const char *rootpath, const oci_spec *spec, skiff_error **err)
{
  unsigned long prop = MS_SLAVE | MS_REC;
  const char *p = spec->linux_ ? spec->linux_->rootfs_propagation : NULL;
  if (p && *p && skiff_propagation_parse (p, &prop, err) < 0)
    return -1;
  if (mount (NULL, "/", NULL, prop, NULL) < 0)
    return skiff_error_set (err, errno, "set propagation of `/`");
  if (prop & MS_SHARED)
    {
      cleanup_free char *parent = containing_mount_point (rootpath, err);
      if (parent == NULL)
        return -1;
      if (mount (NULL, parent, NULL, MS_PRIVATE, NULL) < 0)
        return skiff_error_set (err, errno, "make `%s` private", parent);
    }
  /* pivot_root(2) needs new_root to be a mount point: bind it on itself. */
  if (mount (rootpath, rootpath, NULL, MS_BIND | MS_REC, NULL) < 0)
    return skiff_error_set (err, errno, "bind mount rootfs `%s`", rootpath);
  return 0;
}

/* pivot_root(".", ".") stacks the old root on top of the new one (see
 * pivot_root(2) NOTES), so it can be detached without a put_old dir in the
 * image. */
static int
do_pivot (int rootfd, const char *rootpath, skiff_error **err)
{
  if (fchdir (rootfd) < 0)
    return skiff_error_set (err, errno, "chdir to rootfs `%s`", rootpath);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return skiff_error_set (err, errno, "pivot_root to `%s`", rootpath);
  /* Make sure the unmount of the old root cannot propagate to the host. */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return skiff_error_set (err, errno, "make old root slave");
  if (umount2 (".", MNT_DETACH) < 0)
    return skiff_error_set (err, errno, "detach old root");
  return 0;
}

static int
do_chroot (int rootfd, const char *rootpath, skiff_error **err)
{
  if (fchdir (rootfd) < 0)
    return skiff_error_set (err, errno, "chdir to rootfs `%s`", rootpath);
  if (mount (rootpath, "/", NULL, MS_MOVE, NULL) < 0)
    return skiff_error_set (err, errno, "move rootfs `%s` to `/`", rootpath);
  if (chroot (".") < 0)
    return skiff_error_set (err, errno, "chroot to `%s`", rootpath);
  return 0;
}

static int
build_root (int rootfd, const char *rootpath, const oci_spec *spec, const skiff_rootfs_opts *opts,
            skiff_error **err)
{
  if (skiff_mounts_apply (rootfd, rootpath, spec, opts, err) < 0)
    return skiff_error_wrap (err, "mounts");
  if (skiff_devices_setup (rootfd, rootpath, spec, opts, err) < 0)
    return skiff_error_wrap (err, "devices");
  /* The host /dev/null for maskedPaths must be grabbed while the host tree
   * is still attached. */
  if (skiff_masked_prepare (spec, err) < 0)
    return skiff_error_wrap (err, "maskedPaths");
  return 0;
}

int
skiff_rootfs_setup (const oci_spec *spec, const skiff_rootfs_opts *opts, skiff_error **err)
{
  if (opts->rootfs == NULL)
    return skiff_error_set (err, EINVAL, "no rootfs path");
  char rootpath[PATH_MAX];
  if (realpath (opts->rootfs, rootpath) == NULL)
    return skiff_error_set (err, errno, "rootfs `%s`", opts->rootfs);
  if (strcmp (rootpath, "/") == 0)
    return skiff_error_set (err, EINVAL, "rootfs cannot be the host `/`");
  if (prepare_root (rootpath, spec, err) < 0)
    return -1;
  cleanup_close int rootfd = open (rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return skiff_error_set (err, errno, "open rootfs `%s`", rootpath);
  if (build_root (rootfd, rootpath, spec, opts, err) < 0
      || (opts->before_pivot && opts->before_pivot (opts->before_pivot_data, err) < 0)
      || (opts->no_pivot ? do_chroot : do_pivot) (rootfd, rootpath, err) < 0)
    {
      skiff_masked_release ();
      return -1;
    }
  if (chdir ("/") < 0)
    return skiff_error_set (err, errno, "chdir `/` in the container");
  return 0;
}

/* By path, not /proc/self/fd: the container may have no /proc, and "/" is
 * our own root, nothing the image can redirect. */
static int
remount_root_ro (skiff_error **err)
{
  if (mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return skiff_error_set (err, errno, "remount `/` read-only");
  /* Locked flags in a user namespace (mount_namespaces(7)): keep them. */
  cleanup_close int fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  unsigned long cur;
  if (fd < 0)
    return skiff_error_set (err, errno, "open `/`");
  if (mount_current_flags (fd, &cur, err) < 0)
    return -1;
  if (mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | cur, NULL) < 0)
    return skiff_error_set (err, errno, "remount `/` read-only");
  return 0;
}

/* readonlyPaths come after the init wrote linux.sysctl (under /proc/sys),
 * the same order as runc; masking after that. */
static int
protect_paths (const oci_spec *spec, skiff_error **err)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return skiff_error_set (err, errno, "open `/`");
  if (skiff_readonly_apply (rootfd, spec, err) < 0)
    return skiff_error_wrap (err, "readonlyPaths");
  if (skiff_masked_apply (rootfd, spec, err) < 0)
    return skiff_error_wrap (err, "maskedPaths");
  return 0;
}

int
skiff_rootfs_finalize (const oci_spec *spec, const skiff_rootfs_opts *opts, skiff_error **err)
{
  (void)opts;
  int r = protect_paths (spec, err);
  skiff_masked_release ();
  if (r < 0)
    return -1;
  if (spec->root && spec->root->readonly.set && spec->root->readonly.value && remount_root_ro (err) < 0)
    return skiff_error_wrap (err, "root.readonly");
  return 0;
}
