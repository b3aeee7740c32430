#include "lsm.h"
#include "masked.h"
#include "safe_path.h"
#include "util.h"
#include "mount_api.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MASK_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define MASK_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static bool
is_devnull (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3);
}

/* The host /dev/null, checked to really be 1:3: the image's /dev/null could
 * be a symlink to anything (CVE-2025-31133). */
static int
open_host_devnull (skiff_error **err)
{
  int fd = open ("/dev/null", O_PATH | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open host `/dev/null`");
  if (!is_devnull (fd))
    {
      close (fd);
      return skiff_error_set (err, ENODEV, "host `/dev/null` is not char device 1:3");
    }
  return fd;
}

/* A fresh empty read-only tmpfs, detached, built without any path lookup.
 * It carries linux.mountLabel as runc's masking tmpfs does (fsconfig takes
 * the value as is: no quotes). */
static int
new_empty_tmpfs (const char *label, skiff_error **err)
{
  cleanup_close int fs = (int)syscall (SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return errno == ENOSYS || errno == EPERM ? -2 : skiff_error_set (err, errno, "fsopen tmpfs");
  if (syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "755", 0) < 0)
    return skiff_error_set (err, errno, "configure tmpfs");
  if (label && syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "context", label, 0) < 0)
    return skiff_error_set (err, errno, "linux.mountLabel `%s`: tmpfs option context", label);
  if (syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return skiff_error_set (err, errno, "configure tmpfs");
  int mnt = (int)syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC, MASK_ATTRS);
  if (mnt < 0)
    return skiff_error_set (err, errno, "fsmount tmpfs");
  return mnt;
}

static int
mask_dir (int target, const char *path, const char *label, skiff_error **err)
{
  cleanup_close int mnt = new_empty_tmpfs (label, err);
  if (mnt == -1)
    return skiff_error_wrap (err, "mask `%s`", path);
  if (mnt == -2) /* fsopen(2): Linux < 5.2, or filtered */
    {
      cleanup_free char *data = NULL;
      if (skiff_lsm_mount_data ("mode=755", label, &data, err) < 0)
        return skiff_error_wrap (err, "mask `%s`", path);
      if (mount_fs_fd ("tmpfs", target, path, "tmpfs", MASK_FLAGS, data, err) == 0)
        return 0;
      if (label && (*err)->errnum == EINVAL) /* context= without SELinux */
        return skiff_error_wrap (err, "linux.mountLabel `%s`", label);
      return -1;
    }
  return mount_move_fd (mnt, "empty tmpfs", target, path, err);
}

/* State between prepare (before pivot_root) and apply (after). One detached
 * bind mount of the host /dev/null is taken before pivot_root; the first
 * masked file gets it, the others get clones of that mount. Closing an
 * unattached clone unmounts it, which waits for an RCU grace period each
 * time (milliseconds), so no clone is made that might go unused. */
static struct
{
  int template; /* detached bind mount of the host /dev/null, or -1 */
  int attached; /* the first masked file's /dev/null mount, or -1 */
  bool cloning; /* open_tree(2) works: template and attached are used */
} mask_state = { -1, -1, false };

static int
attach_devnull (int rootfd, int target, const char *path, skiff_error **err)
{
  if (mask_state.template >= 0)
    {
      int r = mount_move_fd (mask_state.template, "host /dev/null", target, path, err);
      close (mask_state.template);
      mask_state.template = -1;
      return r;
    }
  if (mask_state.attached >= 0)
    {
      cleanup_close int clone = (int)syscall (SYS_open_tree, mask_state.attached, "",
                                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      if (clone < 0)
        return skiff_error_set (err, errno, "mask `%s`: clone the masking /dev/null", path);
      return mount_move_fd (clone, "host /dev/null", target, path, err);
    }
  /* No open_tree(2) (Linux < 5.2, or filtered): our own /dev/null, created
   * by skiff_devices_setup, not followed if it is a symlink and checked to
   * be 1:3. */
  cleanup_close int devnull = safe_path_open (rootfd, "/dev/null", false, err);
  if (devnull < 0)
    return skiff_error_wrap (err, "mask `%s`", path);
  if (!is_devnull (devnull))
    return skiff_error_set (err, ENODEV, "mask `%s`: `/dev/null` is not char device 1:3", path);
  return mount_bind_fd (devnull, "/dev/null", target, path, false, err);
}

static int
mask_file (int rootfd, int target, const char *path, skiff_error **err)
{
  if (attach_devnull (rootfd, target, path, err) < 0)
    return -1;
  /* What now sits at the path must be the host's null device. */
  int fd = safe_path_open (rootfd, path, true, err);
  if (fd < 0)
    return -1;
  if (!is_devnull (fd))
    {
      close (fd);
      return skiff_error_set (err, EXDEV, "mask `%s`: not /dev/null after mounting", path);
    }
  if (mask_state.cloning && mask_state.attached < 0)
    mask_state.attached = fd;
  else
    close (fd);
  return 0;
}

/* Open a configured path; *missing for ENOENT/ENOTDIR (the spec says to
 * skip paths that do not exist). */
static int
open_listed (int rootfd, const char *path, bool *missing, skiff_error **err)
{
  *missing = false;
  int fd = safe_path_open (rootfd, path, true, err);
  if (fd < 0 && *err && ((*err)->errnum == ENOENT || (*err)->errnum == ENOTDIR))
    {
      skiff_error_clear (err);
      *missing = true;
    }
  return fd;
}

int
skiff_masked_prepare (const oci_spec *spec, skiff_error **err)
{
  skiff_masked_release ();
  if (spec->linux_ == NULL || spec->linux_->n_masked_paths == 0)
    return 0;
  cleanup_close int devnull = open_host_devnull (err);
  if (devnull < 0)
    return -1;
  int fd = (int)syscall (SYS_open_tree, devnull, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (fd < 0 && errno != ENOSYS && errno != EPERM) /* Linux < 5.2, or filtered: see attach_devnull */
    return skiff_error_set (err, errno, "clone host `/dev/null`");
  mask_state.template = fd;
  mask_state.cloning = fd >= 0;
  return 0;
}

void
skiff_masked_release (void)
{
  /* An attached mount stays mounted when its fd is closed. */
  if (mask_state.template >= 0)
    close (mask_state.template);
  if (mask_state.attached >= 0)
    close (mask_state.attached);
  mask_state.template = mask_state.attached = -1;
  mask_state.cloning = false;
}

int
skiff_masked_apply (int rootfd, const oci_spec *spec, skiff_error **err)
{
  size_t n = spec->linux_ ? spec->linux_->n_masked_paths : 0;
  const char *label =
      n && spec->linux_->mount_label && *spec->linux_->mount_label ? spec->linux_->mount_label : NULL;
  for (size_t i = 0; i < n; i++)
    {
      const char *path = spec->linux_->masked_paths[i];
      bool missing;
      cleanup_close int target = open_listed (rootfd, path, &missing, err);
      if (missing)
        continue;
      if (target < 0)
        return -1;
      struct stat st;
      if (fstat (target, &st) < 0)
        return skiff_error_set (err, errno, "stat `%s`", path);
      int r =
          S_ISDIR (st.st_mode) ? mask_dir (target, path, label, err) : mask_file (rootfd, target, path, err);
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
readonly_one (int rootfd, int target, const char *path, skiff_error **err)
{
  if (mount_bind_fd (target, path, target, path, true, err) < 0)
    return -1;
  cleanup_close int fd = safe_path_open (rootfd, path, true, err);
  if (fd < 0)
    return -1;
  /* mount_setattr only adds flags, so locked ones are never an issue, and
   * it covers submounts (e.g. binfmt_misc below /proc/sys). */
  if (mount_setattr_fd (fd, path, MASK_ATTRS, 0, true, err) == 0)
    return 0;
  if ((*err)->errnum != ENOSYS && (*err)->errnum != EPERM) /* mount_setattr: 5.12, or filtered */
    return -1;
  skiff_error_clear (err);
  return mount_remount_fd (fd, path, MASK_FLAGS, err);
}

int
skiff_readonly_apply (int rootfd, const oci_spec *spec, skiff_error **err)
{
  size_t n = spec->linux_ ? spec->linux_->n_readonly_paths : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *path = spec->linux_->readonly_paths[i];
      bool missing;
      cleanup_close int target = open_listed (rootfd, path, &missing, err);
      if (missing)
        continue;
      if (target < 0 || readonly_one (rootfd, target, path, err) < 0)
        return skiff_error_wrap (err, "readonly path `%s`", path);
    }
  return 0;
}
