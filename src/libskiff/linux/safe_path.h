/* Resolving paths inside a container rootfs without ever leaving it, and
 * mounting through the resulting fds so nothing can be swapped between the
 * check and the mount.  Every fd returned here is O_PATH|O_CLOEXEC. */
#ifndef SKIFF_LINUX_SAFE_PATH_H
#define SKIFF_LINUX_SAFE_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Open `path` inside the tree rooted at rootfd: absolute symlinks and ".."
 * never climb above rootfd.  follow_last: follow a final symlink (inside the
 * root too).  Returns an O_PATH fd or -1. */
int safe_path_open (int rootfd, const char *path, bool follow_last, skiff_error **err);

/* Like safe_path_open, creating every missing directory (the last one too)
 * with `mode`.  Returns an O_PATH fd on the final directory or -1. */
int safe_path_mkdir_p (int rootfd, const char *path, mode_t mode, skiff_error **err);

/* Open the parent directory of `path` inside the root (creating it when
 * `create`) and return its O_PATH fd; *base gets the last component
 * (malloc'd).  Refuses paths whose last component is "", "." or "..". */
int safe_path_open_parent (int rootfd, const char *path, bool create, char **base, skiff_error **err);

/* Make sure a mount target exists: a directory when is_dir, else an empty
 * file.  Returns its O_PATH fd (following a final symlink inside the root). */
int safe_path_create_target (int rootfd, const char *path, bool is_dir, skiff_error **err);

/* Lexically clean an absolute path: collapse "//", drop ".", resolve ".."
 * (clamped at "/").  Relative input is taken relative to "/". */
char *safe_path_clean (const char *path);

/* Where fd points to, as a path inside `rootpath` (the host path of the
 * root).  Fails with EXDEV if fd is outside rootpath.  Uses /proc/self/fd. */
int safe_path_in_root (int fd, const char *rootpath, char **out, skiff_error **err);

/* "/proc/self/fd/N" for the fallback mount(2) calls (buf >= 32 bytes). */
const char *safe_path_proc_fd (int fd, char *buf, size_t len);
/* /proc/self/fd is on procfs (checked before every mount made through it). */
int safe_path_check_proc_fd (skiff_error **err);

/* Attach the detached mount tree (open_tree/fsmount fd) onto targetfd with
 * move_mount(2). Names are for the error message only. */
int mount_move_fd (int tree, const char *src_name, int targetfd, const char *dst_name, skiff_error **err);
/* Bind (recursive when `recursive`) the object behind srcfd onto targetfd:
 * open_tree(OPEN_TREE_CLONE)+move_mount, or mount(MS_BIND) on the
 * /proc/self/fd paths when the new mount API is ENOSYS.  Names are for the
 * error message only. */
int mount_bind_fd (int srcfd, const char *src_name, int targetfd, const char *dst_name, bool recursive,
                   skiff_error **err);

/* mount(2) a filesystem on targetfd (through /proc/self/fd/N). */
int mount_fs_fd (const char *source, int targetfd, const char *dst_name, const char *fstype,
                 unsigned long flags, const char *data, skiff_error **err);

/* MS_REMOUNT|MS_BIND `flags` on the mount at fd.  On EPERM (flags locked by a
 * less privileged user namespace, mount_namespaces(7)) retry keeping the
 * flags the mount already has (fstatvfs). */
int mount_remount_fd (int fd, const char *name, unsigned long flags, skiff_error **err);

/* Change propagation (MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC]). */
int mount_propagation_fd (int fd, const char *name, unsigned long prop, skiff_error **err);

/* mount_setattr(2) with AT_RECURSIVE when `recursive`. */
int mount_setattr_fd (int fd, const char *name, unsigned long long set, unsigned long long clr,
                      bool recursive, skiff_error **err);

/* Mount flags (MS_*) the mount holding fd currently has, from fstatvfs. */
int mount_current_flags (int fd, unsigned long *flags, skiff_error **err);

#endif
