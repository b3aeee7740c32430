/* The processes of a container without a cgroup (rootless, with no cgroup
 * it may write): everything in its init's pid namespace, found in /proc. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "util.h"

static bool
same_ns (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int
skiff_record_pidns_pids (const skiff_record *rec, pid_t **out, size_t *n, skiff_error **err)
{
  *out = NULL;
  *n = 0;
  if (!skiff_record_init_alive (rec))
    return 0;
  char path[64];
  struct stat init_ns, own_ns;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int)rec->init_pid);
  /* Right after start the init may not have exec'd the payload yet: until
   * then it is not dumpable and its ns links are not ours to read. */
  int r, tries = 0;
  while ((r = stat (path, &init_ns)) < 0 && errno == EACCES && tries++ < 200)
    usleep (5000);
  if (r < 0)
    return skiff_error_set (err, errno, "container `%s`: stat `%s`", rec->id, path);
  if (stat ("/proc/self/ns/pid", &own_ns) == 0 && same_ns (&init_ns, &own_ns))
    return skiff_error_set (err, 0,
                            "container `%s` has no cgroup and no pid namespace of its own: its "
                            "processes cannot be told apart from the host's",
                            rec->id);
  cleanup_dir DIR *d = opendir ("/proc");
  if (d == NULL)
    return skiff_error_set (err, errno, "open `/proc`");
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      long pid;
      struct stat st;
      if (parse_long (de->d_name, 1, INT32_MAX, &pid) < 0)
        continue;
      snprintf (path, sizeof path, "/proc/%ld/ns/pid", pid);
      /* Gone meanwhile, or not ours to look at: not in the container either. */
      if (stat (path, &st) < 0 || !same_ns (&st, &init_ns))
        continue;
      if (*n == cap)
        *out = xrealloc (*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
      (*out)[(*n)++] = (pid_t)pid;
    }
  return 0;
}
