#include "lsm.h"
#include "mounts.h"
#include "safe_path.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum opt_kind
{
  OPT_FLAG,      /* MS_* set (or cleared) */
  OPT_PROP,      /* propagation, applied after the mount */
  OPT_REC,       /* MOUNT_ATTR_* with AT_RECURSIVE */
  OPT_REC_ATIME, /* MOUNT_ATTR atime mode: the kernel wants the whole field cleared */
  OPT_BIND,
  OPT_RBIND,
  OPT_IDMAP,
  OPT_NOOP,
};

typedef struct
{
  const char *name;
  enum opt_kind kind;
  bool clear;
  unsigned long long flag;
} opt_def;

static const opt_def opt_table[] = {
  { "defaults", OPT_NOOP, false, 0 },
  { "ro", OPT_FLAG, false, MS_RDONLY },
  { "rw", OPT_FLAG, true, MS_RDONLY },
  { "suid", OPT_FLAG, true, MS_NOSUID },
  { "nosuid", OPT_FLAG, false, MS_NOSUID },
  { "dev", OPT_FLAG, true, MS_NODEV },
  { "nodev", OPT_FLAG, false, MS_NODEV },
  { "exec", OPT_FLAG, true, MS_NOEXEC },
  { "noexec", OPT_FLAG, false, MS_NOEXEC },
  { "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
  { "async", OPT_FLAG, true, MS_SYNCHRONOUS },
  { "dirsync", OPT_FLAG, false, MS_DIRSYNC },
  { "remount", OPT_FLAG, false, MS_REMOUNT },
  { "mand", OPT_FLAG, false, MS_MANDLOCK },
  { "nomand", OPT_FLAG, true, MS_MANDLOCK },
  { "atime", OPT_FLAG, true, MS_NOATIME },
  { "noatime", OPT_FLAG, false, MS_NOATIME },
  { "diratime", OPT_FLAG, true, MS_NODIRATIME },
  { "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
  { "relatime", OPT_FLAG, false, MS_RELATIME },
  { "norelatime", OPT_FLAG, true, MS_RELATIME },
  { "strictatime", OPT_FLAG, false, MS_STRICTATIME },
  { "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
  { "lazytime", OPT_FLAG, false, MS_LAZYTIME },
  { "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
  { "silent", OPT_FLAG, false, MS_SILENT },
  { "loud", OPT_FLAG, true, MS_SILENT },
  { "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW },
  { "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW },
  { "bind", OPT_BIND, false, 0 },
  { "rbind", OPT_RBIND, false, 0 },
  { "private", OPT_PROP, false, MS_PRIVATE },
  { "rprivate", OPT_PROP, false, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROP, false, MS_SHARED },
  { "rshared", OPT_PROP, false, MS_SHARED | MS_REC },
  { "slave", OPT_PROP, false, MS_SLAVE },
  { "rslave", OPT_PROP, false, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROP, false, MS_UNBINDABLE },
  { "runbindable", OPT_PROP, false, MS_UNBINDABLE | MS_REC },
  { "rro", OPT_REC, false, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_REC, true, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_REC, false, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_REC, true, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_REC, false, MOUNT_ATTR_NODEV },
  { "rdev", OPT_REC, true, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_REC, false, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_REC, true, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_REC, false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OPT_REC, true, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", OPT_REC, false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OPT_REC, true, MOUNT_ATTR_NOSYMFOLLOW },
  /* The atime mode is one field: "clearing" one mode means relatime. */
  { "rnoatime", OPT_REC_ATIME, false, MOUNT_ATTR_NOATIME },
  { "ratime", OPT_REC_ATIME, true, MOUNT_ATTR_NOATIME },
  { "rrelatime", OPT_REC_ATIME, false, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OPT_REC_ATIME, true, MOUNT_ATTR_RELATIME },
  { "rstrictatime", OPT_REC_ATIME, false, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OPT_REC_ATIME, true, MOUNT_ATTR_STRICTATIME },
  { "idmap", OPT_IDMAP, false, 0 },
  { "ridmap", OPT_IDMAP, false, 1 }, /* flag: the mapping applies to submounts too */
};

static void
opts_add_data (skiff_mount_opts *o, const char *opt)
{
  if (o->data == NULL)
    {
      o->data = xstrdup (opt);
      return;
    }
  char *d = xasprintf ("%s,%s", o->data, opt);
  free (o->data);
  o->data = d;
}

static void
opts_apply_def (skiff_mount_opts *o, const opt_def *d)
{
  switch (d->kind)
    {
    case OPT_FLAG:
      if (d->clear)
        o->flags &= ~d->flag;
      else
        o->flags |= d->flag;
      break;
    case OPT_PROP:
      o->propagation = d->flag;
      break;
    case OPT_REC:
      if (d->clear)
        o->rec_clr |= d->flag, o->rec_set &= ~d->flag;
      else
        o->rec_set |= d->flag, o->rec_clr &= ~d->flag;
      break;
    case OPT_REC_ATIME:
      o->rec_set = (o->rec_set & ~(unsigned long long)MOUNT_ATTR__ATIME) | (d->clear ? 0 : d->flag);
      o->rec_clr |= MOUNT_ATTR__ATIME;
      break;
    case OPT_BIND:
      o->bind = true;
      break;
    case OPT_RBIND:
      o->bind = o->recursive = true;
      break;
    case OPT_IDMAP:
      o->idmap = true;
      o->idmap_recursive = d->flag != 0;
      break;
    case OPT_NOOP:
      break;
    }
}

bool
skiff_mount_is_bind (const oci_mount *m)
{
  if (m->type && strcmp (m->type, "bind") == 0)
    return true;
  for (size_t i = 0; i < m->n_options; i++)
    if (strcmp (m->options[i], "bind") == 0 || strcmp (m->options[i], "rbind") == 0)
      return true;
  return false;
}

int
skiff_mount_opts_parse (char *const *options, size_t n, skiff_mount_opts *out, skiff_error **err)
{
  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < n; i++)
    {
      const char *opt = options[i];
      if (opt == NULL || *opt == '\0')
        continue;
      size_t j;
      for (j = 0; j < sizeof opt_table / sizeof opt_table[0]; j++)
        if (strcmp (opt, opt_table[j].name) == 0)
          break;
      if (j < sizeof opt_table / sizeof opt_table[0])
        opts_apply_def (out, &opt_table[j]);
      else if (strcmp (opt, "tmpcopyup") == 0)
        out->tmpcopyup = true;
      else
        opts_add_data (out, opt);
    }
  return 0;
}

void
skiff_mount_opts_free (skiff_mount_opts *o)
{
  free (o->data);
  o->data = NULL;
}

int
skiff_propagation_parse (const char *name, unsigned long *out, skiff_error **err)
{
  for (size_t j = 0; j < sizeof opt_table / sizeof opt_table[0]; j++)
    if (opt_table[j].kind == OPT_PROP && strcmp (name, opt_table[j].name) == 0)
      {
        *out = opt_table[j].flag;
        return 0;
      }
  return skiff_error_set (err, EINVAL, "unknown rootfs propagation `%s`", name);
}

/* ---- /proc rules (CVE-2019-16884, CVE-2019-19921: a fake or redirected
 * /proc lets the container steer writes the runtime makes later) ---- */

/* lxcfs-style overrides of single proc files, the same list runc accepts. */
static const char *const proc_allowed[] = {
  "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
  "/proc/stat",    "/proc/swaps",     "/proc/uptime",
  "/proc/loadavg", "/proc/slabinfo",  "/proc/sys/kernel/ns_last_pid",
};

static int
check_proc_dest (const char *dest, const char *shown, bool is_proc, skiff_error **err)
{
  if (strcmp (dest, "/proc") == 0)
    {
      if (!is_proc)
        return skiff_error_set (err, EPERM, "mount destination %s: only procfs may be mounted on /proc",
                                shown);
      return 0;
    }
  if (strncmp (dest, "/proc/", 6) != 0)
    return 0;
  if (!is_proc)
    for (size_t i = 0; i < sizeof proc_allowed / sizeof proc_allowed[0]; i++)
      if (strcmp (dest, proc_allowed[i]) == 0)
        return 0;
  return skiff_error_set (err, EPERM, "mount destination %s: cannot be mounted because it is inside /proc",
                          shown);
}

/* Check both the configured destination and where it really resolved to:
 * "/x" -> "/proc" in the image must not sneak a tmpfs over /proc. */
int
skiff_mount_check_dest (int targetfd, const char *rootpath, const char *clean, const char *type,
                        skiff_error **err)
{
  bool is_proc = strcmp (type, "proc") == 0;
  if (check_proc_dest (clean, clean, is_proc, err) < 0)
    return -1;
  cleanup_free char *real = NULL;
  if (safe_path_in_root (targetfd, rootpath, &real, err) < 0)
    return skiff_error_wrap (err, "mount destination %s", clean);
  return check_proc_dest (real, clean, is_proc, err);
}

/* proc and sysfs only on an ordinary directory of the image, never through
 * a symlink (CVE-2019-19921 and friends). */
static int
open_ordinary_dir (int rootfd, const char *dest, const char *type, skiff_error **err)
{
  cleanup_free char *base = NULL;
  cleanup_close int dirfd = safe_path_open_parent (rootfd, dest, true, &base, err);
  if (dirfd < 0)
    return -1;
  int fd = openat (dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      if (mkdirat (dirfd, base, 0755) < 0 && errno != EEXIST)
        return skiff_error_set (err, errno, "mkdir `%s` in rootfs", dest);
      fd = openat (dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s` in rootfs", dest);
  struct stat st;
  if (fstat (fd, &st) < 0)
    {
      int e = errno;
      close (fd);
      return skiff_error_set (err, e, "stat `%s` in rootfs", dest);
    }
  if (!S_ISDIR (st.st_mode))
    {
      close (fd);
      return skiff_error_set (err, 0, "mount destination %s: %s must be mounted on an ordinary directory",
                              dest, type);
    }
  return fd;
}

static int
check_fs_magic (int rootfd, const char *dest, const char *type, long magic, skiff_error **err)
{
  cleanup_close int fd = safe_path_open (rootfd, dest, false, err);
  if (fd < 0)
    return -1;
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0)
    return skiff_error_set (err, errno, "statfs `%s`", dest);
  if ((long)sfs.f_type != magic)
    return skiff_error_set (err, EXDEV, "mount destination %s: not a %s mount after mounting", dest, type);
  return 0;
}

/* Bind sources come from the config (trusted), relative ones from the bundle. */
static int
open_bind_source (const char *source, const char *bundle, skiff_error **err)
{
  if (source == NULL)
    return skiff_error_set (err, EINVAL, "bind mount without a source");
  cleanup_free char *path = NULL;
  if (source[0] != '/')
    {
      if (bundle == NULL)
        return skiff_error_set (err, EINVAL, "relative bind source `%s` without a bundle", source);
      path = xasprintf ("%s/%s", bundle, source);
    }
  int fd = open (path ? path : source, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open bind source `%s`", path ? path : source);
  return fd;
}

static int
do_bind (int rootfd, const char *rootpath, const char *dest, const oci_mount *m, const skiff_mount_opts *o,
         const skiff_rootfs_opts *opts, skiff_error **err)
{
  cleanup_close int src = open_bind_source (m->source, opts->bundle, err);
  if (src < 0)
    return -1;
  struct stat st;
  if (fstat (src, &st) < 0)
    return skiff_error_set (err, errno, "stat bind source `%s`", m->source);
  cleanup_close int target = safe_path_create_target (rootfd, dest, S_ISDIR (st.st_mode), err);
  if (target < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  if (skiff_mount_check_dest (target, rootpath, dest, "bind", err) < 0)
    return -1;
  return mount_bind_fd (src, m->source, target, dest, o->recursive, err);
}

/* In a user namespace that does not own the network (sysfs) or IPC
 * (mqueue) namespace the kernel refuses a fresh mount with EPERM; bind
 * the host's instance instead, as runc does. */
static int
userns_fallback (const char *type, int target, const char *dest, skiff_error **err)
{
  const char *host = strcmp (type, "sysfs") == 0 ? "/sys" : "/dev/mqueue";
  cleanup_close int src = open (host, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return skiff_error_set (err, errno, "open host `%s`", host);
  return mount_bind_fd (src, host, target, dest, true, err);
}

static int
mount_tmpfs_copy_up (int rootfd, int target, const char *dest, const skiff_mount_opts *o, skiff_error **err)
{
  /* Still the image's directory: after the mount this fd keeps reading it. */
  cleanup_close int covered = openat (target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (covered < 0)
    return skiff_error_set (err, errno, "open `%s`", dest);
  /* Writable while we fill it; a read-only tmpfs gets ro afterwards. */
  if (mount_fs_fd ("tmpfs", target, dest, "tmpfs", o->flags & ~MS_RDONLY, o->data, err) < 0)
    return -1;
  cleanup_close int fresh = safe_path_open (rootfd, dest, true, err);
  if (fresh < 0 || skiff_tmpfs_copy_up (covered, fresh, dest, err) < 0)
    return -1;
  if (o->flags & MS_RDONLY)
    return mount_remount_fd (fresh, dest, o->flags | MS_RDONLY, err);
  return 0;
}

static int
do_fs (int rootfd, const char *rootpath, const char *dest, const oci_mount *m, const skiff_mount_opts *o,
       const skiff_rootfs_opts *opts, bool *bound, skiff_error **err)
{
  const char *type = m->type;
  bool special = strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0;
  cleanup_close int target =
      special ? open_ordinary_dir (rootfd, dest, type, err) : safe_path_mkdir_p (rootfd, dest, 0755, err);
  if (target < 0)
    return special ? -1 : skiff_error_wrap (err, "mount destination %s", dest);
  if (skiff_mount_check_dest (target, rootpath, dest, type, err) < 0)
    return -1;
  const char *source = m->source ? m->source : type;
  if (o->tmpcopyup && strcmp (type, "tmpfs") == 0)
    return mount_tmpfs_copy_up (rootfd, target, dest, o, err);
  if (mount_fs_fd (source, target, dest, type, o->flags, o->data, err) == 0)
    return 0;
  if ((strcmp (type, "sysfs") == 0 || strcmp (type, "mqueue") == 0) && opts->userns
      && (*err)->errnum == EPERM)
    {
      skiff_error_clear (err);
      *bound = true;
      return userns_fallback (type, target, dest, err);
    }
  return -1;
}

/* After the mount: flags a bind could not take, propagation, recursive
 * attributes, and a magic check for proc/sysfs.  The mount is reopened by
 * path (inside the root) because the target fd still names the dentry
 * under it. */
static int
post_mount (int rootfd, const char *dest, const char *type, const skiff_mount_opts *o, bool bound,
            skiff_error **err)
{
  if (strcmp (type, "proc") == 0 && check_fs_magic (rootfd, dest, type, PROC_SUPER_MAGIC, err) < 0)
    return -1;
  if (strcmp (type, "sysfs") == 0 && check_fs_magic (rootfd, dest, type, SYSFS_MAGIC, err) < 0)
    return -1;
  unsigned long remount = o->flags & ~(MS_REMOUNT | MS_BIND | MS_REC);
  if ((!bound || remount == 0) && o->propagation == 0 && o->rec_set == 0 && o->rec_clr == 0)
    return 0;
  cleanup_close int fd = safe_path_open (rootfd, dest, true, err);
  if (fd < 0)
    return -1;
  if (bound && remount && mount_remount_fd (fd, dest, remount, err) < 0)
    return -1;
  if (o->propagation && mount_propagation_fd (fd, dest, o->propagation, err) < 0)
    return -1;
  if ((o->rec_set || o->rec_clr) && mount_setattr_fd (fd, dest, o->rec_set, o->rec_clr, true, err) < 0)
    return -1;
  return 0;
}

static int
mount_dispatch (int rootfd, const char *rootpath, const char *dest, const oci_mount *m,
                const skiff_mount_opts *o, const skiff_rootfs_opts *opts, int idmapped, bool *bound,
                skiff_error **err)
{
  const char *type = m->type ? m->type : "";
  if (skiff_mount_is_idmapped (m, o))
    {
      /* Prepared by the runtime (mounts_idmap.c); never a plain bind instead. */
      if (idmapped < 0)
        return skiff_error_set (err, EINVAL, "mount destination %s: idmapped source was not prepared", dest);
      return skiff_idmap_mount_attach (idmapped, rootfd, rootpath, dest, err);
    }
  if (*bound)
    return do_bind (rootfd, rootpath, dest, m, o, opts, err);
  if (*type == '\0')
    return skiff_error_set (err, EINVAL, "mount destination %s: no type and not a bind mount", dest);
  if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
    return skiff_mount_cgroup (rootfd, rootpath, dest, m, o, opts, err);
  return do_fs (rootfd, rootpath, dest, m, o, opts, bound, err);
}

/* linux.mountLabel as context= in the data of the mounts runc labels. */
static int
add_mount_label (skiff_mount_opts *o, const char *type, bool bound, const skiff_rootfs_opts *opts,
                 skiff_error **err)
{
  const char *label = opts->lsm ? opts->lsm->mount_label : NULL;
  if (label == NULL || bound || !skiff_lsm_mount_labelled (type))
    return 0;
  char *data;
  if (skiff_lsm_mount_data (o->data, label, &data, err) < 0)
    return -1;
  free (o->data);
  o->data = data;
  return 1;
}

/* mqueue takes no context= option: runc labels its root as a file. */
static int
label_mqueue (int rootfd, const char *dest, const skiff_rootfs_opts *opts, skiff_error **err)
{
  if (opts->lsm == NULL || !opts->lsm->selinux || opts->lsm->mount_label == NULL)
    return 0;
  cleanup_close int fd = safe_path_open (rootfd, dest, true, err);
  if (fd < 0)
    return -1;
  char path[32];
  return skiff_lsm_mqueue_label (opts->lsm, safe_path_proc_fd (fd, path, sizeof path), err);
}

static int
mount_one (int rootfd, const char *rootpath, const oci_mount *m, const skiff_rootfs_opts *opts, int idmapped,
           skiff_error **err)
{
  if (m->destination == NULL || *m->destination == '\0')
    return skiff_error_set (err, EINVAL, "mount without a destination");
  cleanup_free char *dest = safe_path_clean (m->destination);
  skiff_mount_opts o;
  if (skiff_mount_opts_parse (m->options, m->n_options, &o, err) < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  const char *type = m->type ? m->type : "";
  bool bound = o.bind || strcmp (type, "bind") == 0;
  int labelled = add_mount_label (&o, type, bound, opts, err);
  if (labelled < 0)
    {
      skiff_mount_opts_free (&o);
      return skiff_error_wrap (err, "mount destination %s", dest);
    }
  /* Lexical check first so nothing is even created for a refused mount;
   * the resolved target is checked again before mounting. */
  int r = check_proc_dest (dest, dest, !bound && strcmp (type, "proc") == 0, err);
  if (r == 0 && (r = mount_dispatch (rootfd, rootpath, dest, m, &o, opts, idmapped, &bound, err)) < 0)
    r = labelled > 0 ? skiff_lsm_mount_failed (opts->lsm, err) : -1;
  if (r == 0)
    r = post_mount (rootfd, dest, bound ? "bind" : type, &o, bound, err);
  if (r == 0 && !bound && strcmp (type, "mqueue") == 0)
    r = label_mqueue (rootfd, dest, opts, err);
  skiff_mount_opts_free (&o);
  return r;
}

int
skiff_mounts_apply (int rootfd, const char *rootpath, const oci_spec *spec, const skiff_rootfs_opts *opts,
                    skiff_error **err)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (mount_one (rootfd, rootpath, &spec->mounts[i], opts, opts->idmap_fds ? opts->idmap_fds[i] : -1, err) < 0)
      return -1;
  return 0;
}
