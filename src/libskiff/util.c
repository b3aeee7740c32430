#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xzalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    abort ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return r;
}

void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void
cleanup_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

void
cleanup_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

void
cleanup_strvp (char ***v)
{
  strv_free (*v);
}

int
mkdir_p (const char *path, mode_t mode)
{
  cleanup_free char *copy = xstrdup (path);
  for (char *p = copy + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (copy, 0755) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  if (mkdir (copy, mode) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

char *
user_name (uid_t uid)
{
  struct passwd *pw = getpwuid (uid);
  return pw ? xstrdup (pw->pw_name) : xasprintf ("#%u", (unsigned) uid);
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
strv_push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = xstrdup (s);
  (*v)[*n] = NULL;
}

char **
strv_dup (char *const *v)
{
  size_t n = strv_len (v);
  char **out = xzalloc ((n + 1) * sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = xstrdup (v[i]);
  return out;
}

void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (size_t i = 0; v[i]; i++)
    free (v[i]);
  free (v);
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

int
read_all_fd (int fd, char **out, size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);
  for (;;)
    {
      if (n + 1 >= cap)
        {
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          int e = errno;
          free (buf);
          return -e;
        }
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, skiff_error **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s`", path);
  int r = read_all_fd (fd, out, len);
  if (r < 0)
    return skiff_error_set (err, -r, "read `%s`", path);
  return 0;
}

int
write_file_at (int dirfd, const char *path, const char *data, size_t len, skiff_error **err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s`", path);
  int r = write_all (fd, data, len);
  if (r < 0)
    return skiff_error_set (err, -r, "write `%s`", path);
  return 0;
}

int
write_file_atomic (int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                   skiff_error **err)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  char tmp[256];
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++)
    {
      char suffix[9];
      uint64_t seed = ((uint64_t) getpid () << 32) ^ (uint64_t) (uintptr_t) &suffix ^ (uint64_t) attempt * 2654435761u;
      struct timespec ts;
      clock_gettime (CLOCK_MONOTONIC, &ts);
      seed ^= (uint64_t) ts.tv_nsec * 0x9E3779B97F4A7C15ull;
      for (int i = 0; i < 8; i++, seed >>= 5)
        suffix[i] = chars[seed % (sizeof chars - 1)];
      suffix[8] = '\0';
      snprintf (tmp, sizeof tmp, ".%s.%s.tmp", name, suffix);
      fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
      if (fd < 0 && errno != EEXIST)
        return skiff_error_set (err, errno, "create `%s`", tmp);
    }
  if (fd < 0)
    return skiff_error_set (err, EEXIST, "create temporary file for `%s`", name);
  int r = write_all (fd, data, len);
  close (fd);
  if (r < 0)
    {
      unlinkat (dirfd, tmp, 0);
      return skiff_error_set (err, -r, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return skiff_error_set (err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
parse_long (const char *s, long min, long max, long *out)
{
  if (s == NULL || *s == '\0')
    return -EINVAL;
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (*end != '\0')
    return -EINVAL;
  if (errno == ERANGE || v < min || v > max)
    return -ERANGE;
  *out = v;
  return 0;
}

static int
fd_from_name (const char *name)
{
  long v;
  if (parse_long (name, 0, INT32_MAX, &v) < 0)
    return -1;
  return (int) v;
}

int
mark_cloexec_from (int from)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned) from, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) == 0)
    return 0;
#endif
  /* Fallback for kernels (or seccomp filters) without close_range: walk /proc/self/fd. */
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return -errno;
  int dfd = dirfd (d);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      int fd = fd_from_name (de->d_name);
      if (fd < from || fd == dfd)
        continue;
      int fl = fcntl (fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC))
        fcntl (fd, F_SETFD, fl | FD_CLOEXEC);
    }
  closedir (d);
  return 0;
}

static bool
fd_kept (int fd, const int *keep, size_t n_keep)
{
  for (size_t i = 0; i < n_keep; i++)
    if (keep[i] == fd)
      return true;
  return false;
}

int
close_fds_from (int from, const int *keep, size_t n_keep)
{
  /* Collect first, close after: closing while iterating the dir would close
   * the dir's own fd out from under readdir. */
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return -errno;
  int dfd = dirfd (d);
  int fds[1024];
  size_t n = 0;
  struct dirent *de;
  bool more = false;
  while ((de = readdir (d)) != NULL)
    {
      int fd = fd_from_name (de->d_name);
      if (fd < from || fd == dfd || fd_kept (fd, keep, n_keep))
        continue;
      if (n == sizeof fds / sizeof fds[0])
        {
          more = true;
          break;
        }
      fds[n++] = fd;
    }
  closedir (d);
  for (size_t i = 0; i < n; i++)
    close (fds[i]);
  return more ? close_fds_from (from, keep, n_keep) : 0;
}

int
unix_connect (const char *path, const char *what, skiff_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return skiff_error_set (err, ENAMETOOLONG, "%s `%s`", what, path);
  strcpy (addr.sun_path, path);
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return skiff_error_set (err, errno, "create socket for %s `%s`", what, path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return skiff_error_set (err, errno, "connect to %s `%s`", what, path);
  return take_fd (&fd);
}

uint64_t
monotonic_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
