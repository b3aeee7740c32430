/* cgroup v2 (unified) driver, also used for the cgroup2 mount of a hybrid
 * host (Documentation/admin-guide/cgroup-v2.rst). */
#include "cgroup/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* Enable in dir's cgroup.subtree_control every controller dir offers, so the
 * child gets the interface files. One write per controller: one that cannot
 * be enabled (e.g. cpu while a realtime task sits outside the root,
 * cgroup-v2.rst "CPU") must not block the others; a resource that needs it
 * then fails on its missing file, naming it. Enabling fails with EBUSY when
 * dir (not the root) has processes of its own ("no internal process"
 * constraint): the cgroupsPath parent must be a pure inner node. */
static void
enable_controllers (const char *dir)
{
  cleanup_free char *avail = NULL;
  if (cg_read (dir, "cgroup.controllers", &avail, NULL) < 0)
    return;
  char *save = NULL;
  for (char *c = strtok_r (avail, " \n", &save); c; c = strtok_r (NULL, " \n", &save))
    {
      if (cg_file_has_word (dir, "cgroup.subtree_control", c))
        continue;
      cleanup_free char *v = xasprintf ("+%s", c);
      cg_write (dir, "cgroup.subtree_control", v, NULL);
    }
}

int
cg_v2_prepare (const char *mount, const char *path, cg_created *c, skiff_error **err)
{
  cleanup_free char *full = cg_join (mount, path);
  if (strlen (full) == strlen (mount))
    return skiff_error_set (err, EINVAL, "refusing to use the cgroup v2 root `%s` for a container", mount);
  for (char *p = full + strlen (mount); *p; p++)
    {
      if (*p != '/' || p[1] == '/' || p[1] == '\0')
        continue;
      /* p is the separator before the next level: full[..p) is its parent. */
      *p = '\0';
      enable_controllers (full);
      *p = '/';
      char *end = strchr (p + 1, '/');
      if (end)
        *end = '\0';
      cleanup_free char *level = xstrdup (full);
      if (end)
        *end = '/';
      if (cg_mkdir_p (mount, level + strlen (mount), c, err) < 0)
        return -1;
    }
  return 0;
}

int
cg_v2_freeze (const char *dir, bool frozen, skiff_error **err)
{
  /* cgroup.freeze (5.2+) asks; "frozen 1" in cgroup.events confirms once
   * every task has stopped (cgroup-v2.rst "cgroup.freeze"). */
  if (!cg_has (dir, "cgroup.freeze"))
    return skiff_error_set (err, ENOTSUP, "freeze: `%s/cgroup.freeze` is missing (kernel < 5.2?)", dir);
  if (cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  const char *want = frozen ? "frozen 1" : "frozen 0";
  const struct timespec ms = { 0, 1000 * 1000 };
  for (int i = 0; i < 2000; i++)
    {
      cleanup_free char *ev = NULL;
      if (cg_read (dir, "cgroup.events", &ev, err) < 0)
        return -1;
      char *line = strstr (ev, want);
      if (line && (line == ev || line[-1] == '\n'))
        return 0;
      nanosleep (&ms, NULL);
    }
  return skiff_error_set (err, EBUSY, "freeze `%s`: no `%s` in cgroup.events after 2 s", dir, want);
}
