/* skiff_cgroup_join_sub: see join.h. */
#include "cgroup/join.h"

#include <errno.h>
#include <string.h>

#include "cgroup/convert.h"
#include "cgroup/internal.h"
#include "util.h"

/* Each hierarchy's directory must exist: a missing one means the container's
 * cgroup is gone (deleted meanwhile) or a sub-cgroup was never made, and
 * writing cgroup.procs would otherwise fail with a less helpful ENOENT. */
static int
join_one (const char *mount, const char *path, pid_t pid, skiff_error **err)
{
  cleanup_free char *dir = cg_join (mount, path);
  if (!cg_has (dir, "cgroup.procs"))
    return skiff_error_set (err, ENOENT, "cgroup `%s` does not exist", dir);
  return cg_write_pid (dir, pid, err);
}

/* Whether hierarchy h holds one of the comma-separated controllers. */
static bool
holds_one_of (const cg_hier *h, const char *controllers)
{
  cleanup_free char *list = xstrdup (controllers);
  char *save = NULL;
  for (char *c = strtok_r (list, ",", &save); c; c = strtok_r (NULL, ",", &save))
    for (size_t i = 0; h->controllers[i]; i++)
      if (strcmp (h->controllers[i], c) == 0)
        return true;
  return false;
}

int
skiff_cgroup_join_sub (const char *path, const char *controllers, const char *sub, pid_t pid,
                       skiff_error **err)
{
  while (sub && *sub == '/')
    sub++;
  cleanup_free char *subpath = sub && *sub ? xasprintf ("%s/%s", path, sub) : xstrdup (path);
  if (cg_check_path (path, err) < 0 || cg_check_path (subpath, err) < 0)
    return -1;
  cleanup_cg_host cg_host h;
  if (cg_host_load (&h, err) < 0)
    return -1;
  if (controllers && h.layout == SKIFF_CGROUP_V2)
    return skiff_error_set (err, 0, "cgroup `%s:%s`: controller names need cgroup v1", controllers, sub);
  for (size_t i = 0; i < h.n_v1; i++)
    {
      bool mine = controllers == NULL || holds_one_of (&h.v1[i], controllers);
      if (join_one (h.v1[i].mount, mine ? subpath : path, pid, err) < 0)
        return -1;
    }
  if (h.unified && join_one (h.unified, controllers ? path : subpath, pid, err) < 0)
    return -1;
  return 0;
}
