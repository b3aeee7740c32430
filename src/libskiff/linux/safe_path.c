#include "safe_path.h"
#include "util.h"
#include "mount_api.h"

#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Same limit as the kernel's MAXSYMLINKS (path_resolution(7)). */
#define MAX_SYMLINKS 40

/* ---- fallback walk: one component at a time, O_NOFOLLOW, symlinks resolved
 * by hand against the root.  Used when openat2 is ENOSYS (< 5.6) or EPERM
 * (a seccomp profile that blocks it), and to create missing directories. */

typedef struct
{
  int *fds; /* fds[0] is the root; the stack lets ".." pop without ever
               opening "..", which could climb out after a rename */
  size_t n, cap;
} walker;

static void
walker_push (walker *w, int fd)
{
  if (w->n == w->cap)
    {
      w->cap = w->cap ? w->cap * 2 : 16;
      w->fds = xrealloc (w->fds, w->cap * sizeof (int));
    }
  w->fds[w->n++] = fd;
}

static void
walker_pop (walker *w)
{
  if (w->n > 1)
    close (w->fds[--w->n]);
}

static void
walker_reset (walker *w)
{
  while (w->n > 1)
    walker_pop (w);
}

static void
walker_free (walker *w)
{
  while (w->n > 0)
    close (w->fds[--w->n]);
  free (w->fds);
}

#define WALK_FOLLOW_LAST 1
#define WALK_MKDIR 2

/* Replace the consumed component by the symlink target; absolute targets
 * restart from the root. */
static int
walk_symlink (walker *w, int linkfd, const char *name, char **todo, char **rest, int *links,
              skiff_error **err)
{
  char target[PATH_MAX];
  if (++*links > MAX_SYMLINKS)
    return skiff_error_set (err, ELOOP, "resolve `%s` in rootfs", name);
  ssize_t n = readlinkat (linkfd, "", target, sizeof target - 1);
  if (n < 0)
    return skiff_error_set (err, errno, "readlink `%s` in rootfs", name);
  target[n] = '\0';
  if (target[0] == '/')
    walker_reset (w);
  char *next = xasprintf ("%s/%s", target, *rest);
  free (*todo);
  *todo = next;
  *rest = next;
  return 0;
}

static int
walk_open_component (walker *w, const char *comp, int wflags, mode_t mode, skiff_error **err)
{
  int dir = w->fds[w->n - 1];
  int fd = openat (dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && (wflags & WALK_MKDIR))
    {
      if (mkdirat (dir, comp, mode) < 0 && errno != EEXIST)
        return skiff_error_set (err, errno, "mkdir `%s` in rootfs", comp);
      fd = openat (dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s` in rootfs", comp);
  return fd;
}

static int
walk (int rootfd, const char *path, int wflags, mode_t mode, skiff_error **err)
{
  walker w = { 0 };
  int links = 0, ret = -1;
  int root = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
  if (root < 0)
    return skiff_error_set (err, errno, "dup rootfs fd");
  walker_push (&w, root);
  char *todo = xstrdup (path), *rest = todo;
  for (;;)
    {
      rest += strspn (rest, "/");
      if (*rest == '\0')
        break;
      size_t len = strcspn (rest, "/");
      cleanup_free char *comp = xstrndup (rest, len);
      rest += len;
      bool last = rest[strspn (rest, "/")] == '\0';
      if (strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        {
          walker_pop (&w); /* clamped: the root is never popped */
          continue;
        }
      int fd = walk_open_component (&w, comp, wflags, mode, err);
      if (fd < 0)
        goto out;
      struct stat st;
      if (fstat (fd, &st) < 0)
        {
          skiff_error_set (err, errno, "stat `%s` in rootfs", comp);
          close (fd);
          goto out;
        }
      if (S_ISLNK (st.st_mode) && (!last || (wflags & (WALK_FOLLOW_LAST | WALK_MKDIR))))
        {
          int r = walk_symlink (&w, fd, path, &todo, &rest, &links, err);
          close (fd);
          if (r < 0)
            goto out;
          continue;
        }
      if (!S_ISDIR (st.st_mode) && (!last || (wflags & WALK_MKDIR)))
        {
          skiff_error_set (err, ENOTDIR, "resolve `%s` in rootfs", path);
          close (fd);
          goto out;
        }
      walker_push (&w, fd);
    }
  ret = fcntl (w.fds[w.n - 1], F_DUPFD_CLOEXEC, 3);
  if (ret < 0)
    skiff_error_set (err, errno, "dup fd of `%s`", path);
out:
  free (todo);
  walker_free (&w);
  return ret;
}

static int
try_openat2 (int rootfd, const char *path, bool follow_last)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd = -1;
  /* openat2(2): EAGAIN when a concurrent rename or mount raced the
   * resolution; the kernel wants us to retry. */
  for (int i = 0; i < 32; i++)
    {
      fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof how);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return fd;
}

int
safe_path_open (int rootfd, const char *path, bool follow_last, skiff_error **err)
{
  int fd = try_openat2 (rootfd, path, follow_last);
  if (fd >= 0)
    return fd;
  if (errno != ENOSYS && errno != EPERM)
    return skiff_error_set (err, errno, "open `%s` in rootfs", path);
  return walk (rootfd, path, follow_last ? WALK_FOLLOW_LAST : 0, 0, err);
}

int
safe_path_mkdir_p (int rootfd, const char *path, mode_t mode, skiff_error **err)
{
  int fd = try_openat2 (rootfd, path, true);
  if (fd >= 0)
    {
      struct stat st;
      if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
        return fd;
      close (fd);
      return skiff_error_set (err, ENOTDIR, "mkdir `%s` in rootfs", path);
    }
  if (errno != ENOSYS && errno != EPERM && errno != ENOENT)
    return skiff_error_set (err, errno, "open `%s` in rootfs", path);
  return walk (rootfd, path, WALK_MKDIR, mode, err);
}

int
safe_path_open_parent (int rootfd, const char *path, bool create, char **base, skiff_error **err)
{
  size_t len = strlen (path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  cleanup_free char *copy = xstrndup (path, len);
  char *slash = strrchr (copy, '/');
  const char *name = slash ? slash + 1 : copy;
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return skiff_error_set (err, EINVAL, "path `%s` has no final component", path);
  *base = xstrdup (name);
  const char *parent = "/";
  if (slash && slash != copy)
    {
      *slash = '\0';
      parent = copy;
    }
  int fd =
      create ? safe_path_mkdir_p (rootfd, parent, 0755, err) : safe_path_open (rootfd, parent, true, err);
  if (fd < 0)
    {
      free (*base);
      *base = NULL;
    }
  return fd;
}

static int
create_file_target (int rootfd, const char *path, skiff_error **err)
{
  cleanup_free char *base = NULL;
  cleanup_close int dirfd = safe_path_open_parent (rootfd, path, true, &base, err);
  if (dirfd < 0)
    return -1;
  /* O_EXCL|O_NOFOLLOW: never write through something the image put there. */
  int fd = openat (dirfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EEXIST)
    return skiff_error_set (err, errno, "create `%s` in rootfs", path);
  if (fd >= 0)
    close (fd);
  return safe_path_open (rootfd, path, true, err);
}

int
safe_path_create_target (int rootfd, const char *path, bool is_dir, skiff_error **err)
{
  if (is_dir)
    return safe_path_mkdir_p (rootfd, path, 0755, err);
  int fd = try_openat2 (rootfd, path, true);
  if (fd >= 0)
    return fd;
  if (errno != ENOSYS && errno != EPERM && errno != ENOENT)
    return skiff_error_set (err, errno, "open `%s` in rootfs", path);
  return create_file_target (rootfd, path, err);
}

char *
safe_path_clean (const char *path)
{
  size_t len = strlen (path);
  char *out = xmalloc (len + 2);
  size_t o = 0;
  const char *p = path;
  for (;;)
    {
      p += strspn (p, "/");
      if (*p == '\0')
        break;
      size_t n = strcspn (p, "/");
      if (n == 1 && p[0] == '.')
        ;
      else if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          while (o > 0 && out[o - 1] != '/')
            o--;
          if (o > 0)
            o--; /* drop the separator too */
        }
      else
        {
          out[o++] = '/';
          memcpy (out + o, p, n);
          o += n;
        }
      p += n;
    }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

const char *
safe_path_proc_fd (int fd, char *buf, size_t len)
{
  snprintf (buf, len, "/proc/self/fd/%d", fd);
  return buf;
}

int
safe_path_check_proc_fd (skiff_error **err)
{
  cleanup_close int fd = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct statfs sfs;
  if (fd < 0 || fstatfs (fd, &sfs) < 0)
    return skiff_error_set (err, errno, "open `/proc/self/fd`");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return skiff_error_set (err, EXDEV, "`/proc/self/fd` is not on procfs");
  return 0;
}

/* The /proc/self/fd/N path that mount(2) takes for fd, after making sure
 * /proc is really procfs: after pivot_root it is the container's, and a fake
 * one would let the image choose what gets mounted or remounted. */
static const char *
mount_target_of (int fd, char *buf, size_t len, skiff_error **err)
{
  if (safe_path_check_proc_fd (err) < 0)
    return NULL;
  return safe_path_proc_fd (fd, buf, len);
}

int
safe_path_in_root (int fd, const char *rootpath, char **out, skiff_error **err)
{
  char link[32], target[PATH_MAX];
  ssize_t n = readlink (safe_path_proc_fd (fd, link, sizeof link), target, sizeof target - 1);
  if (n < 0)
    return skiff_error_set (err, errno, "readlink `%s`", link);
  target[n] = '\0';
  size_t rl = strlen (rootpath);
  while (rl > 0 && rootpath[rl - 1] == '/')
    rl--; /* "/" becomes "": every absolute path is inside */
  if (strncmp (target, rootpath, rl) != 0 || (target[rl] != '/' && target[rl] != '\0'))
    return skiff_error_set (err, EXDEV, "`%s` is outside the rootfs `%s`", target, rootpath);
  *out = xstrdup (target[rl] ? target + rl : "/");
  return 0;
}

/* ---- mounting through fds ---- */

int
mount_move_fd (int tree, const char *src_name, int targetfd, const char *dst_name, skiff_error **err)
{
  if (syscall (SYS_move_mount, tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return skiff_error_set (err, errno, "move_mount `%s` on `%s`", src_name, dst_name);
  return 0;
}

int
mount_bind_fd (int srcfd, const char *src_name, int targetfd, const char *dst_name, bool recursive,
               skiff_error **err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
  cleanup_close int tree = (int)syscall (SYS_open_tree, srcfd, "", flags | (recursive ? AT_RECURSIVE : 0));
  if (tree >= 0)
    return mount_move_fd (tree, src_name, targetfd, dst_name, err);
  if (errno != ENOSYS && errno != EPERM) /* EPERM: filtered by seccomp */
    return skiff_error_set (err, errno, "open_tree `%s`", src_name);
  /* Linux < 5.2 or open_tree filtered: the magic links of /proc/self/fd
   * name exactly the objects we resolved, nothing is looked up again. */
  char s[32], t[32];
  if (mount_target_of (srcfd, s, sizeof s, err) == NULL)
    return -1;
  if (mount (s, safe_path_proc_fd (targetfd, t, sizeof t), NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
    return skiff_error_set (err, errno, "bind mount `%s` on `%s`", src_name, dst_name);
  return 0;
}

int
mount_fs_fd (const char *source, int targetfd, const char *dst_name, const char *fstype, unsigned long flags,
             const char *data, skiff_error **err)
{
  char t[32];
  if (mount_target_of (targetfd, t, sizeof t, err) == NULL)
    return -1;
  if (mount (source, t, fstype, flags, data) < 0)
    return skiff_error_set (err, errno, "mount `%s` (%s) on `%s`", source ? source : "none",
                            fstype ? fstype : "none", dst_name);
  return 0;
}

int
mount_current_flags (int fd, unsigned long *flags, skiff_error **err)
{
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { ST_RDONLY, MS_RDONLY },           { ST_NOSUID, MS_NOSUID },           { ST_NODEV, MS_NODEV },
    { ST_NOEXEC, MS_NOEXEC },           { ST_SYNCHRONOUS, MS_SYNCHRONOUS }, { ST_MANDLOCK, MS_MANDLOCK },
    { ST_NOATIME, MS_NOATIME },         { ST_NODIRATIME, MS_NODIRATIME },   { ST_RELATIME, MS_RELATIME },
#ifdef ST_NOSYMFOLLOW
    { ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
#endif
  };
  struct statvfs sv;
  if (fstatvfs (fd, &sv) < 0)
    return skiff_error_set (err, errno, "statvfs");
  *flags = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (sv.f_flag & map[i].st)
      *flags |= map[i].ms;
  return 0;
}

int
mount_remount_fd (int fd, const char *name, unsigned long flags, skiff_error **err)
{
  char t[32];
  const char *target = mount_target_of (fd, t, sizeof t, err);
  if (target == NULL)
    return -1;
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return skiff_error_set (err, errno, "remount `%s`", name);
  /* mount_namespaces(7): flags of a mount that came from a more privileged
   * mount namespace are locked; a bind remount that would clear them fails
   * with EPERM.  Keep them, and keep the atime mode unless one was asked. */
  unsigned long cur, keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW;
  if (mount_current_flags (fd, &cur, err) < 0)
    return -1;
  if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)))
    keep |= MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | (cur & keep), NULL) < 0)
    return skiff_error_set (err, errno, "remount `%s`", name);
  return 0;
}

int
mount_propagation_fd (int fd, const char *name, unsigned long prop, skiff_error **err)
{
  char t[32];
  if (mount_target_of (fd, t, sizeof t, err) == NULL)
    return -1;
  if (mount (NULL, t, NULL, prop, NULL) < 0)
    return skiff_error_set (err, errno, "set propagation of `%s`", name);
  return 0;
}

int
mount_setattr_fd (int fd, const char *name, unsigned long long set, unsigned long long clr, bool recursive,
                  skiff_error **err)
{
  struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (syscall (SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) == 0)
    return 0;
  if (errno == ENOSYS)
    return skiff_error_set (err, errno, "recursive mount options on `%s` need mount_setattr(2) (Linux 5.12)",
                            name);
  return skiff_error_set (err, errno, "mount_setattr `%s`", name);
}
