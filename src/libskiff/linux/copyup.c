/* tmpcopyup: a tmpfs mounted over a directory of the image starts with a
 * copy of what the directory held (podman uses it for --read-only and
 * --tmpfs). The source is the covered directory, read through an fd opened
 * before the tmpfs went on top, so no temporary mount point is needed. The
 * image is hostile: nothing is followed (O_NOFOLLOW everywhere, symlinks
 * copied as symlinks) and the depth is bounded. */
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

#define MAX_DEPTH 64

static int copy_dir (int src, int dst, const char *shown, int depth, skiff_error **err);

static void
copy_meta (int dst_dir, const char *name, const struct stat *st)
{
  /* Best effort, like cp -a: ownership and times of the copy. */
  fchownat (dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
  if (!S_ISLNK (st->st_mode))
    fchmodat (dst_dir, name, st->st_mode & 07777, 0);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  utimensat (dst_dir, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int
copy_file (int src_dir, int dst_dir, const char *name, const struct stat *st, const char *shown,
           skiff_error **err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return skiff_error_set (err, errno, "tmpcopyup: open `%s/%s`", shown, name);
  cleanup_close int out = openat (dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return skiff_error_set (err, errno, "tmpcopyup: create `%s/%s`", shown, name);
  for (off_t left = st->st_size; left > 0;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, (size_t) left, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
        n = sendfile (out, in, NULL, (size_t) left);
      if (n < 0)
        return skiff_error_set (err, errno, "tmpcopyup: copy `%s/%s`", shown, name);
      if (n == 0)
        break; /* shrank meanwhile */
      left -= n;
    }
  return 0;
}

static int
copy_entry (int src, int dst, const char *name, const char *shown, int depth, skiff_error **err)
{
  struct stat st;
  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return skiff_error_set (err, errno, "tmpcopyup: stat `%s/%s`", shown, name);
  int r = 0;
  if (S_ISDIR (st.st_mode))
    {
      if (mkdirat (dst, name, 0700) < 0)
        return skiff_error_set (err, errno, "tmpcopyup: mkdir `%s/%s`", shown, name);
      cleanup_close int s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d = openat (dst, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return skiff_error_set (err, errno, "tmpcopyup: open `%s/%s`", shown, name);
      cleanup_free char *sub = xasprintf ("%s/%s", shown, name);
      r = copy_dir (s, d, sub, depth + 1, err);
    }
  else if (S_ISREG (st.st_mode))
    r = copy_file (src, dst, name, &st, shown, err);
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (src, name, target, sizeof target - 1);
      if (n < 0)
        return skiff_error_set (err, errno, "tmpcopyup: readlink `%s/%s`", shown, name);
      target[n] = '\0';
      if (symlinkat (target, dst, name) < 0)
        return skiff_error_set (err, errno, "tmpcopyup: symlink `%s/%s`", shown, name);
    }
  else if (mknodat (dst, name, st.st_mode, st.st_rdev) < 0) /* fifo, socket, device */
    return skiff_error_set (err, errno, "tmpcopyup: mknod `%s/%s`", shown, name);
  if (r == 0)
    copy_meta (dst, name, &st);
  return r;
}

static int
copy_dir (int src, int dst, const char *shown, int depth, skiff_error **err)
{
  if (depth > MAX_DEPTH)
    return skiff_error_set (err, ELOOP, "tmpcopyup: `%s` is nested too deep", shown);
  int dupfd = fcntl (src, F_DUPFD_CLOEXEC, 3);
  DIR *d = dupfd >= 0 ? fdopendir (dupfd) : NULL;
  if (d == NULL)
    {
      if (dupfd >= 0)
        close (dupfd);
      return skiff_error_set (err, errno, "tmpcopyup: read `%s`", shown);
    }
  int r = 0;
  struct dirent *de;
  while (r == 0 && (de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      r = copy_entry (src, dst, de->d_name, shown, depth, err);
  closedir (d);
  return r;
}

int
skiff_tmpfs_copy_up (int covered, int tmpfs_root, const char *dest, skiff_error **err)
{
  struct stat st;
  if (fstat (covered, &st) < 0)
    return skiff_error_set (err, errno, "tmpcopyup: stat `%s`", dest);
  if (copy_dir (covered, tmpfs_root, dest, 0, err) < 0)
    return -1;
  /* The tmpfs root takes the covered directory's mode and owner too. */
  cleanup_close int root = openat (tmpfs_root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0 || fchown (root, st.st_uid, st.st_gid) < 0 || fchmod (root, st.st_mode & 07777) < 0)
    return skiff_error_set (err, errno, "tmpcopyup: owner and mode of `%s`", dest);
  return 0;
}
