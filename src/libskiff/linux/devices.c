#include "devices.h"
#include "safe_path.h"
#include "mounts.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef struct
{
  const char *name; /* relative to /dev */
  mode_t type;      /* S_IFCHR, S_IFBLK, S_IFIFO */
  unsigned major, minor;
  mode_t perm;
  uid_t uid;
  gid_t gid;
} dev_node;

/* runtime-spec config-linux.md "Default Devices". */
static const dev_node default_devices[] = {
  { "null", S_IFCHR, 1, 3, 0666, 0, 0 },    { "zero", S_IFCHR, 1, 5, 0666, 0, 0 },
  { "full", S_IFCHR, 1, 7, 0666, 0, 0 },    { "random", S_IFCHR, 1, 8, 0666, 0, 0 },
  { "urandom", S_IFCHR, 1, 9, 0666, 0, 0 }, { "tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

/* Remove whatever the image has at dir/name unless it is a directory: a
 * symlink or a fake node there must not survive (CVE-2025-31133 class). */
static int
clear_entry (int dirfd, const char *name, const char *shown, skiff_error **err)
{
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : skiff_error_set (err, errno, "stat `%s`", shown);
  if (S_ISDIR (st.st_mode))
    return skiff_error_set (err, EISDIR, "`%s` is a directory", shown);
  if (unlinkat (dirfd, name, 0) < 0)
    return skiff_error_set (err, errno, "unlink `%s`", shown);
  return 0;
}

/* In a user namespace mknod(2) is refused: bind the host node onto an
 * empty file instead, after checking the host node is what we expect. */
static int
bind_host_device (int dirfd, const char *leaf, const dev_node *d, const char *shown, skiff_error **err)
{
  cleanup_close int src = open (shown, O_PATH | O_CLOEXEC);
  if (src < 0)
    return skiff_error_set (err, errno, "open host device `%s`", shown);
  struct stat st;
  if (fstat (src, &st) < 0)
    return skiff_error_set (err, errno, "stat host device `%s`", shown);
  if ((st.st_mode & S_IFMT) != d->type || st.st_rdev != makedev (d->major, d->minor))
    return skiff_error_set (err, ENODEV, "host `%s` is not device %u:%u", shown, d->major, d->minor);
  int fd = openat (dirfd, leaf, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
  if (fd < 0)
    return skiff_error_set (err, errno, "create `%s`", shown);
  close (fd);
  cleanup_close int target = openat (dirfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return skiff_error_set (err, errno, "open `%s`", shown);
  return mount_bind_fd (src, shown, target, shown, false, err);
}

/* d->name is the path below /dev (messages, host node); leaf is the entry
 * in dirfd. */
static int
create_device (int dirfd, const char *leaf, const dev_node *d, bool bind, skiff_error **err)
{
  cleanup_free char *shown = xasprintf ("/dev/%s", d->name);
  if (clear_entry (dirfd, leaf, shown, err) < 0)
    return -1;
  if (!bind)
    {
      /* mknod applies the umask; the config's mode is meant literally. */
      mode_t old = umask (0);
      int r = mknodat (dirfd, leaf, d->type | (d->perm & 07777), makedev (d->major, d->minor));
      int saved = errno;
      umask (old);
      if (r < 0 && (saved != EPERM || d->type == S_IFIFO))
        return skiff_error_set (err, saved, "mknod `%s`", shown);
      bind = r < 0;
    }
  /* Never chown a bound node: that would change the host's device. */
  if (bind)
    return bind_host_device (dirfd, leaf, d, shown, err);
  if (fchownat (dirfd, leaf, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return skiff_error_set (err, errno, "chown `%s`", shown);
  return 0;
}

static bool
spec_has_device (const oci_spec *spec, const char *path)
{
  if (spec->linux_ == NULL)
    return false;
  for (size_t i = 0; i < spec->linux_->n_devices; i++)
    if (spec->linux_->devices[i].path && strcmp (spec->linux_->devices[i].path, path) == 0)
      return true;
  return false;
}

/* Is something mounted at path by the config (a bind only, if asked)? Then
 * the node there is not ours: replacing it would unlink the mount's source
 * (the host's /dev/null when the host /dev is bound in). */
static bool
spec_mounts_at (const oci_spec *spec, const char *path, bool bind_only)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (m->destination == NULL || (bind_only && !skiff_mount_is_bind (m)))
        continue;
      cleanup_free char *dest = safe_path_clean (m->destination);
      if (strcmp (dest, path) == 0)
        return true;
    }
  return false;
}

/* A device path must name something strictly below /dev, lexically: no
 * "..", no "." components ("/dev/../etc/x" is refused, not cleaned). */
static int
check_device_path (const char *path, skiff_error **err)
{
  if (path == NULL || strncmp (path, "/dev/", 5) != 0)
    return skiff_error_set (err, EINVAL, "device path `%s` is not under /dev", path ? path : "");
  for (const char *p = path + 5; *p;)
    {
      size_t n = strcspn (p, "/");
      if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return skiff_error_set (err, EINVAL, "device path `%s` is not under /dev", path);
      p += n;
      p += strspn (p, "/");
    }
  if (path[5 + strspn (path + 5, "/")] == '\0')
    return skiff_error_set (err, EINVAL, "device path `%s` is not under /dev", path);
  return 0;
}

static int
device_type (const char *type, mode_t *out, skiff_error **err)
{
  if (type && (strcmp (type, "c") == 0 || strcmp (type, "u") == 0))
    *out = S_IFCHR;
  else if (type && strcmp (type, "b") == 0)
    *out = S_IFBLK;
  else if (type && strcmp (type, "p") == 0)
    *out = S_IFIFO;
  else
    return skiff_error_set (err, EINVAL, "unknown device type `%s`", type ? type : "");
  return 0;
}

/* linux.devices: created below the /dev fd, with that fd as the resolution
 * root so that a symlinked subdirectory cannot lead out of /dev. */
static int
config_device (int devfd, const oci_device *cd, bool userns, skiff_error **err)
{
  dev_node d = { 0 };
  if (check_device_path (cd->path, err) < 0 || device_type (cd->type, &d.type, err) < 0)
    return -1;
  if (d.type != S_IFIFO && (!cd->major.set || !cd->minor.set))
    return skiff_error_set (err, EINVAL, "device `%s` needs major and minor", cd->path);
  d.major = (unsigned)cd->major.value;
  d.minor = (unsigned)cd->minor.value;
  d.perm = cd->file_mode.set ? (mode_t)cd->file_mode.value : 0666;
  d.uid = cd->uid.set ? (uid_t)cd->uid.value : 0;
  d.gid = cd->gid.set ? (gid_t)cd->gid.value : 0;
  d.name = cd->path + 5;
  cleanup_free char *base = NULL;
  cleanup_close int dirfd = safe_path_open_parent (devfd, cd->path + 4, true, &base, err);
  if (dirfd < 0)
    return skiff_error_wrap (err, "device `%s`", cd->path);
  return create_device (dirfd, base, &d, userns && d.type != S_IFIFO, err);
}

static int
make_symlink (int devfd, const char *target, const char *name, bool required, skiff_error **err)
{
  cleanup_free char *shown = xasprintf ("/dev/%s", name);
  if (symlinkat (target, devfd, name) == 0)
    return 0;
  if (errno != EEXIST)
    return skiff_error_set (err, errno, "symlink `%s` -> `%s`", shown, target);
  char buf[256];
  ssize_t n = readlinkat (devfd, name, buf, sizeof buf - 1);
  if (n >= 0 && (buf[n] = '\0', strcmp (buf, target) == 0))
    return 0;
  struct stat st;
  /* An image directory at /dev/fd and the like: leave it, as other runtimes
   * do; only ptmx must be our symlink for the terminal. */
  if (!required && fstatat (devfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    return 0;
  if (clear_entry (devfd, name, shown, err) < 0)
    return -1;
  if (symlinkat (target, devfd, name) < 0)
    return skiff_error_set (err, errno, "symlink `%s` -> `%s`", shown, target);
  return 0;
}

static bool
pts_is_devpts (int devfd)
{
  cleanup_close int fd = openat (devfd, "pts", O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  struct statfs sfs;
  return fd >= 0 && fstatfs (fd, &sfs) == 0 && sfs.f_type == DEVPTS_SUPER_MAGIC;
}

static int
dev_symlinks (int devfd, skiff_error **err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },
    { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" },
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (make_symlink (devfd, links[i][0], links[i][1], false, err) < 0)
      return -1;
  if (pts_is_devpts (devfd) && make_symlink (devfd, "pts/ptmx", "ptmx", true, err) < 0)
    return -1;
  /* /proc/kcore is absent without CONFIG_PROC_KCORE; no dangling link then. */
  if (access ("/proc/kcore", F_OK) == 0 && make_symlink (devfd, "/proc/kcore", "core", false, err) < 0)
    return -1;
  return 0;
}

/* The terminal setup bind-mounts a pts here; it must be a plain file we
 * created, never an image symlink (CVE-2025-52565). */
static int
dev_console (int devfd, skiff_error **err)
{
  struct stat st;
  if (fstatat (devfd, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode))
    return 0;
  if (clear_entry (devfd, "console", "/dev/console", err) < 0)
    return -1;
  int fd = openat (devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return skiff_error_set (err, errno, "create `/dev/console`");
  close (fd);
  return 0;
}

int
skiff_devices_setup (int rootfd, const char *rootpath, const oci_spec *spec, const skiff_rootfs_opts *opts,
                     skiff_error **err)
{
  /* A bind-mounted /dev is used as it is (runc does the same). */
  if (spec_mounts_at (spec, "/dev", true))
    return 0;
  cleanup_close int devfd = safe_path_mkdir_p (rootfd, "/dev", 0755, err);
  if (devfd < 0)
    return skiff_error_wrap (err, "rootfs /dev");
  cleanup_free char *where = NULL;
  if (safe_path_in_root (devfd, rootpath, &where, err) < 0)
    return skiff_error_wrap (err, "rootfs /dev");
  size_t n = spec->linux_ ? spec->linux_->n_devices : 0;
  for (size_t i = 0; i < n; i++)
    if (config_device (devfd, &spec->linux_->devices[i], opts->userns, err) < 0)
      return -1;
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    {
      const dev_node *d = &default_devices[i];
      cleanup_free char *path = xasprintf ("/dev/%s", d->name);
      if (spec_has_device (spec, path) || spec_mounts_at (spec, path, false))
        continue;
      if (create_device (devfd, d->name, d, opts->userns, err) < 0)
        return -1;
    }
  if (dev_symlinks (devfd, err) < 0)
    return -1;
  /* The pty is bound over /dev/console only with a terminal (as runc). */
  bool terminal = spec->process && spec->process->terminal.value;
  return terminal && !spec_mounts_at (spec, "/dev/console", false) ? dev_console (devfd, err) : 0;
}
