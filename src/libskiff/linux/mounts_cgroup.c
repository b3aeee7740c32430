/* "cgroup" mounts.  Unified host: cgroup2 (fresh with a cgroup namespace,
 * else a bind of the container's own cgroup).  v1/hybrid host: a tmpfs with
 * one subdirectory per host hierarchy, each either a fresh cgroup mount with
 * the same controllers (cgroup namespace: the kernel shows the namespace
 * root) or a bind of the container's own cgroup in that hierarchy, as runc
 * does: the init is already in its cgroup when this runs, so
 * /proc/self/cgroup names it.  Never the host's whole tree. */
#include "lsm.h"
#include "mounts.h"
#include "safe_path.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define HOST_CGROUP "/sys/fs/cgroup"

/* Does the /proc/self/cgroup controller list ("cpu,cpuacct",
 * "name=systemd") name the hierarchy mounted with these super options? */
static bool
controllers_match (const char *list, const char *superopts)
{
  cleanup_free char *copy = xstrdup (list);
  cleanup_free char *opts = xasprintf (",%s,", superopts);
  char *save = NULL;
  bool any = false;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      cleanup_free char *needle = xasprintf (",%s,", t);
      if (strstr (opts, needle) == NULL)
        return false;
      any = true;
    }
  return any;
}

/* Our cgroup in the hierarchy: v1 by controller list, cgroup2 by the "0::" line. */
static char *
own_cgroup (const char *fstype, const char *superopts)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/cgroup", "re");
  char line[4096];
  bool v2 = strcmp (fstype, "cgroup2") == 0;
  while (f && fgets (line, sizeof line, f))
    {
      line[strcspn (line, "\n")] = '\0';
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c1 = *c2 = '\0';
      const char *list = c1 + 1, *path = c2 + 1;
      if (v2 ? *list == '\0' && strcmp (line, "0") == 0 : controllers_match (list, superopts))
        return xstrdup (path);
    }
  return NULL;
}

/* Bind the container's own cgroup below a host hierarchy (mounted at
 * mountpoint with mount root `root`) onto target; callers remount it. */
static int
bind_own_cgroup (const char *mountpoint, const char *root, const char *fstype, const char *superopts,
                 int target, const char *dest, skiff_error **err)
{
  cleanup_free char *own = own_cgroup (fstype, superopts);
  if (own == NULL)
    return skiff_error_set (err, ENOENT, "%s: no %s entry in /proc/self/cgroup", dest, superopts);
  size_t rl = strcmp (root, "/") == 0 ? 0 : strlen (root);
  if (rl && (strncmp (own, root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0')))
    return skiff_error_set (err, EXDEV, "%s: cgroup `%s` is outside the mount root `%s`", dest, own, root);
  cleanup_free char *hostpath = xasprintf ("%s%s", mountpoint, own + rl);
  cleanup_close int src = open (hostpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return skiff_error_set (err, errno, "open `%s`", hostpath);
  return mount_bind_fd (src, hostpath, target, dest, true, err);
}

static int
cgroup2_mount (int rootfd, const char *rootpath, const char *dest, const skiff_mount_opts *o,
               const skiff_rootfs_opts *opts, const char *hostpath, skiff_error **err)
{
  cleanup_close int target = safe_path_mkdir_p (rootfd, dest, 0755, err);
  if (target < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  if (skiff_mount_check_dest (target, rootpath, dest, "cgroup2", err) < 0)
    return -1;
  if (opts->new_cgroupns)
    return mount_fs_fd ("cgroup2", target, dest, "cgroup2", o->flags, o->data, err);
  if (bind_own_cgroup (hostpath, "/", "cgroup2", "", target, dest, err) < 0)
    return -1;
  cleanup_close int fd = safe_path_open (rootfd, dest, true, err);
  if (fd < 0)
    return -1;
  return mount_remount_fd (fd, dest, (o->flags & ~MS_REMOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);}

/* Super options of a v1 hierarchy minus rw/ro and release_agent: what
 * selects the same hierarchy again ("cpu,cpuacct", "name=systemd"). */
static char *
cgroup_select_opts (const char *superopts)
{
  cleanup_free char *copy = xstrdup (superopts);
  char *out = NULL, *save = NULL;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      if (strcmp (t, "rw") == 0 || strcmp (t, "ro") == 0 || strncmp (t, "release_agent=", 14) == 0)
        continue;
      char *n = out ? xasprintf ("%s,%s", out, t) : xstrdup (t);
      free (out);
      out = n;
    }
  return out;
}

static int
cgroup1_one (int tmpfd, const char *dest, const char *name, const char *root, const char *fstype,
             const char *superopts, const skiff_mount_opts *o, const skiff_rootfs_opts *opts,
             skiff_error **err)
{
  cleanup_free char *shown = xasprintf ("%s/%s", dest, name);
  if (mkdirat (tmpfd, name, 0755) < 0 && errno != EEXIST)
    return skiff_error_set (err, errno, "mkdir `%s`", shown);
  cleanup_close int sub = openat (tmpfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  if (sub < 0)
    return skiff_error_set (err, errno, "open `%s`", shown);
  if (opts->new_cgroupns)
    {
      cleanup_free char *data = strcmp (fstype, "cgroup") == 0 ? cgroup_select_opts (superopts) : NULL;
      return mount_fs_fd (fstype, sub, shown, fstype, o->flags & ~MS_REMOUNT, data, err);
    }
  cleanup_free char *mountpoint = xasprintf (HOST_CGROUP "/%s", name);
  if (bind_own_cgroup (mountpoint, root, fstype, superopts, sub, shown, err) < 0)
    return -1;
  /* Reopen: sub is the directory under the new mount, not the mount. */
  cleanup_close int fd = openat (tmpfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s`", shown);
  return mount_remount_fd (fd, shown, (o->flags & ~MS_REMOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [opt...] - fstype source superopts". */
static int
cgroup1_line (int tmpfd, const char *dest, char *line, const skiff_mount_opts *o,
              const skiff_rootfs_opts *opts, skiff_error **err)
{
  char *fields[5], *save = NULL, *t = strtok_r (line, " ", &save);
  for (int i = 0; i < 5; i++, t = strtok_r (NULL, " ", &save))
    if ((fields[i] = t) == NULL)
      return 0;
  while (t && strcmp (t, "-") != 0)
    t = strtok_r (NULL, " ", &save);
  char *fstype = strtok_r (NULL, " ", &save);
  char *source = strtok_r (NULL, " ", &save);
  char *superopts = strtok_r (NULL, " ", &save);
  if (fstype == NULL || source == NULL || superopts == NULL)
    return 0;
  if (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0)
    return 0;
  const char *mp = fields[4];
  if (strncmp (mp, HOST_CGROUP "/", sizeof HOST_CGROUP) != 0)
    return 0;
  const char *name = mp + sizeof HOST_CGROUP;
  if (*name == '\0' || strchr (name, '/') || strchr (name, '\\'))
    return 0;
  return cgroup1_one (tmpfd, dest, name, fields[3], fstype, superopts, o, opts, err);
}

/* cpu -> cpu,cpuacct style links of the host layout. */
static int
cgroup1_symlinks (int tmpfd, const char *dest, skiff_error **err)
{
  cleanup_dir DIR *d = opendir (HOST_CGROUP);
  if (d == NULL)
    return skiff_error_set (err, errno, "opendir `" HOST_CGROUP "`");
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_type != DT_LNK)
        continue;
      char target[PATH_MAX];
      ssize_t n = readlinkat (dirfd (d), de->d_name, target, sizeof target - 1);
      if (n < 0)
        return skiff_error_set (err, errno, "readlink `" HOST_CGROUP "/%s`", de->d_name);
      target[n] = '\0';
      if (symlinkat (target, tmpfd, de->d_name) < 0 && errno != EEXIST)
        return skiff_error_set (err, errno, "symlink `%s/%s`", dest, de->d_name);
    }
  return 0;
}

static int
cgroup1_hierarchies (int tmpfd, const char *dest, const skiff_mount_opts *o, const skiff_rootfs_opts *opts,
                     skiff_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", &buf, &len, err) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      cleanup_free char *copy = xstrdup (line);
      if (cgroup1_line (tmpfd, dest, copy, o, opts, err) < 0)
        return -1;
    }
  return cgroup1_symlinks (tmpfd, dest, err);
}

static int
cgroup1_mount (int rootfd, const char *rootpath, const char *dest, const skiff_mount_opts *o,
               const skiff_rootfs_opts *opts, skiff_error **err)
{
  cleanup_close int target = safe_path_mkdir_p (rootfd, dest, 0755, err);
  if (target < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  if (skiff_mount_check_dest (target, rootpath, dest, "cgroup", err) < 0)
    return -1;
  unsigned long flags = o->flags & ~(MS_RDONLY | MS_REMOUNT);
  /* The tmpfs holding the hierarchies carries linux.mountLabel (runc). */
  cleanup_free char *data = NULL;
  if (skiff_lsm_mount_data ("mode=755", opts->lsm ? opts->lsm->mount_label : NULL, &data, err) < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  if (mount_fs_fd ("tmpfs", target, dest, "tmpfs", flags, data, err) < 0)
    return skiff_lsm_mount_failed (opts->lsm, err);
  cleanup_close int tmpfd = safe_path_open (rootfd, dest, true, err);
  if (tmpfd < 0)
    return -1;
  if (cgroup1_hierarchies (tmpfd, dest, o, opts, err) < 0)
    return -1;
  /* The tmpfs itself read-only as asked. */
  if (o->flags & MS_RDONLY)
    return mount_remount_fd (tmpfd, dest, flags | MS_RDONLY, err);
  return 0;
}

int
skiff_mount_cgroup (int rootfd, const char *rootpath, const char *dest, const oci_mount *m,
                    const skiff_mount_opts *o, const skiff_rootfs_opts *opts, skiff_error **err)
{
  struct statfs sfs;
  if (statfs (HOST_CGROUP, &sfs) < 0)
    return skiff_error_set (err, errno, "statfs `" HOST_CGROUP "`");
  if ((long)sfs.f_type == CGROUP2_SUPER_MAGIC)
    return cgroup2_mount (rootfd, rootpath, dest, o, opts, HOST_CGROUP, err);
  if (strcmp (m->type, "cgroup2") == 0)
    return cgroup2_mount (rootfd, rootpath, dest, o, opts, HOST_CGROUP "/unified", err);
  return cgroup1_mount (rootfd, rootpath, dest, o, opts, err);
}
