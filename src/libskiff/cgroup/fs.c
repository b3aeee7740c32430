/* cgroupfs file and directory helpers shared by the v1 and v2 drivers. */
#include "cgroup/convert.h"
#include "cgroup/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

char *
cg_join (const char *mount, const char *path)
{
  while (*path == '/')
    path++;
  return *path ? xasprintf ("%s/%s", mount, path) : xstrdup (mount);
}

int
cg_check_path (const char *path, skiff_error **err)
{
  if (path == NULL || path[0] != '/' || strcmp (path, "/") == 0 || !skiff_cg_path_is_safe (path))
    return skiff_error_set (err, EINVAL, "invalid cgroup path `%s`", path ? path : "(null)");
  return 0;
}

int
cg_write (const char *dir, const char *file, const char *value, skiff_error **err)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s`", p);
  /* cgroupfs takes one value per write(2); a short write is an error. */
  ssize_t n = write (fd, value, strlen (value));
  if (n < 0)
    return skiff_error_set (err, errno, "write `%s` to `%s`", value, p);
  if ((size_t) n != strlen (value))
    return skiff_error_set (err, EIO, "short write of `%s` to `%s`", value, p);
  return 0;
}

int
cg_writef (const char *dir, const char *file, skiff_error **err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *value = NULL;
  if (vasprintf (&value, fmt, ap) < 0)
    value = NULL;
  va_end (ap);
  if (value == NULL)
    return skiff_error_set (err, ENOMEM, "format value for `%s`", file);
  return cg_write (dir, file, value, err);
}

int
cg_read (const char *dir, const char *file, char **out, skiff_error **err)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  return read_file_at (AT_FDCWD, p, out, NULL, err);
}

bool
cg_has (const char *dir, const char *file)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  return access (p, F_OK) == 0;
}

bool
cg_file_has_word (const char *dir, const char *file, const char *word)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, file, &s, NULL) < 0)
    return false;
  char *save = NULL;
  for (char *w = strtok_r (s, " \t\n", &save); w; w = strtok_r (NULL, " \t\n", &save))
    if (strcmp (w, word) == 0)
      return true;
  return false;
}

static void
created_add (cg_created *c, const char *dir)
{
  c->dirs = xrealloc (c->dirs, (c->n + 1) * sizeof (char *));
  c->dirs[c->n++] = xstrdup (dir);
}

int
cg_mkdir_p (const char *mount, const char *path, cg_created *c, skiff_error **err)
{
  cleanup_free char *full = cg_join (mount, path);
  if (strlen (full) == strlen (mount))
    return 0;
  /* Walk from just below the mount point so each level is created (and
   * recorded for undo) separately. */
  for (char *p = full + strlen (mount) + 1; p <= full + strlen (full); p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (full, 0755) == 0)
        created_add (c, full);
      else if (errno != EEXIST)
        return skiff_error_set (err, errno, "mkdir `%s`", full);
      *p = saved;
      if (saved == '\0')
        break;
    }
  return 0;
}

void
cg_created_undo (cg_created *c)
{
  /* Best effort: we are already failing and report the first error. */
  for (size_t i = c->n; i > 0; i--)
    rmdir (c->dirs[i - 1]);
  cg_created_free (c);
}

void
cg_created_free (cg_created *c)
{
  for (size_t i = 0; i < c->n; i++)
    free (c->dirs[i]);
  free (c->dirs);
  c->dirs = NULL;
  c->n = 0;
}

int
cg_write_pid (const char *dir, pid_t pid, skiff_error **err)
{
  return cg_writef (dir, "cgroup.procs", err, "%d", (int) pid);
}

/* Names of the sub-cgroups (subdirectories) of dir. */
static int
list_children (const char *dir, char ***out, skiff_error **err)
{
  cleanup_dir DIR *d = opendir (dir);
  if (d == NULL)
    return skiff_error_set (err, errno, "opendir `%s`", dir);
  char **v = xzalloc (sizeof (char *));
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      v = xrealloc (v, (n + 2) * sizeof (char *));
      v[n++] = xstrdup (e->d_name);
      v[n] = NULL;
    }
  *out = v;
  return 0;
}

/* rmdir fails with EBUSY while the cgroup still has tasks; exiting tasks
 * leave it a little after they were reaped, so retry ~100 ms. */
static int
rmdir_retry (const char *dir, skiff_error **err)
{
  const struct timespec ms = { 0, 1000 * 1000 };
  for (int i = 0; i < 100; i++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      nanosleep (&ms, NULL);
    }
  return skiff_error_set (err, errno, "rmdir `%s`", dir);
}

int
cg_rmdir_tree (const char *dir, skiff_error **err)
{
  cleanup_strv char **kids = NULL;
  if (access (dir, F_OK) < 0 && errno == ENOENT)
    return 0;
  /* Sub-cgroups made inside the container must go first: a cgroup with
   * children cannot be removed. */
  if (list_children (dir, &kids, err) < 0)
    return -1;
  for (size_t i = 0; kids[i]; i++)
    {
      cleanup_free char *sub = xasprintf ("%s/%s", dir, kids[i]);
      if (cg_rmdir_tree (sub, err) < 0)
        return -1;
    }
  return rmdir_retry (dir, err);
}

static int
append_pids (const char *dir, pid_t **pids, size_t *n, skiff_error **err)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, "cgroup.procs", &s, err) < 0)
    return -1;
  char *save = NULL;
  for (char *w = strtok_r (s, "\n", &save); w; w = strtok_r (NULL, "\n", &save))
    {
      long v;
      if (parse_long (w, 1, INT32_MAX, &v) < 0)
        return skiff_error_set (err, EINVAL, "bad pid `%s` in `%s/cgroup.procs`", w, dir);
      *pids = xrealloc (*pids, (*n + 1) * sizeof (pid_t));
      (*pids)[(*n)++] = (pid_t) v;
    }
  return 0;
}

int
cg_read_pids_tree (const char *dir, pid_t **pids, size_t *n, skiff_error **err)
{
  cleanup_strv char **kids = NULL;
  if (append_pids (dir, pids, n, err) < 0 || list_children (dir, &kids, err) < 0)
    return -1;
  for (size_t i = 0; kids[i]; i++)
    {
      cleanup_free char *sub = xasprintf ("%s/%s", dir, kids[i]);
      if (cg_read_pids_tree (sub, pids, n, err) < 0)
        return -1;
    }
  return 0;
}
