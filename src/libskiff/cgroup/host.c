/* Learning the host's cgroup layout: which filesystem is at /sys/fs/cgroup,
 * and which v1 hierarchies are mounted (from /proc/self/mountinfo). */
#include "cgroup/internal.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "util.h"

/* The v1 controllers the kernel knows (Documentation/admin-guide/cgroup-v1/); other super options
 * of a cgroup mount (rw, noprefix, release_agent=...) are not controllers. */
static const char *const known_controllers[] = {
  "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
  "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc", NULL,
};

int
skiff_cgroup_detect_layout (skiff_cgroup_layout *out, skiff_error **err)
{
  struct statfs st;
  if (statfs (CG_ROOT, &st) < 0)
    return skiff_error_set (err, errno, "statfs `%s`", CG_ROOT);
  if (st.f_type == CGROUP2_SUPER_MAGIC)
    {
      *out = SKIFF_CGROUP_V2;
      return 0;
    }
  if (st.f_type != TMPFS_MAGIC)
    return skiff_error_set (err, 0, "`%s` is neither cgroup2 nor a tmpfs of v1 hierarchies", CG_ROOT);
  /* systemd's hybrid mode mounts cgroup2 at .../unified next to the v1 mounts. */
  if (statfs (CG_HYBRID_UNIFIED, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    *out = SKIFF_CGROUP_HYBRID;
  else
    *out = SKIFF_CGROUP_V1;
  return 0;
}

static bool
is_controller_opt (const char *opt)
{
  if (strncmp (opt, "name=", 5) == 0)
    return opt[5] != '\0';
  for (size_t i = 0; known_controllers[i]; i++)
    if (strcmp (opt, known_controllers[i]) == 0)
      return true;
  return false;
}

static char **
parse_controllers (char *superopts)
{
  char **v = xzalloc (sizeof (char *));
  size_t n = 0;
  char *save = NULL;
  for (char *o = strtok_r (superopts, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      if (!is_controller_opt (o))
        continue;
      v = xrealloc (v, (n + 2) * sizeof (char *));
      v[n++] = xstrdup (o);
      v[n] = NULL;
    }
  return v;
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [opt...] - fstype source superopts".
 * Adds a v1 hierarchy unless its superblock (maj:min) was seen already: a
 * hierarchy mounted twice must be entered once. Mount points with escaped
 * characters (\040) are not expected under /sys/fs/cgroup and kept as is. */
static void
add_v1_mount (cg_host *h, char *line, char ***seen_devs)
{
  char *save = NULL;
  char *f[5] = { NULL };
  for (int i = 0; i < 5; i++)
    f[i] = strtok_r (i ? NULL : line, " ", &save);
  if (f[4] == NULL)
    return;
  char *sep = strstr (save ? save : "", "- ");
  if (sep == NULL)
    return;
  char *rest = sep + 2, *save2 = NULL;
  char *fstype = strtok_r (rest, " ", &save2);
  char *source = strtok_r (NULL, " ", &save2);
  char *superopts = strtok_r (NULL, " \n", &save2);
  if (fstype == NULL || strcmp (fstype, "cgroup") != 0 || source == NULL || superopts == NULL)
    return;
  for (size_t i = 0; (*seen_devs)[i]; i++)
    if (strcmp ((*seen_devs)[i], f[2]) == 0)
      return;
  size_t ns = strv_len (*seen_devs);
  *seen_devs = xrealloc (*seen_devs, (ns + 2) * sizeof (char *));
  (*seen_devs)[ns] = xstrdup (f[2]);
  (*seen_devs)[ns + 1] = NULL;
  h->v1 = xrealloc (h->v1, (h->n_v1 + 1) * sizeof *h->v1);
  h->v1[h->n_v1].mount = xstrdup (f[4]);
  h->v1[h->n_v1].controllers = parse_controllers (superopts);
  h->n_v1++;
}

static int
load_v1 (cg_host *h, skiff_error **err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return skiff_error_set (err, errno, "open `/proc/self/mountinfo`");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  cleanup_strv char **seen = xzalloc (sizeof (char *));
  while (getline (&line, &cap, f) >= 0)
    add_v1_mount (h, line, &seen);
  if (h->n_v1 == 0)
    return skiff_error_set (err, 0, "no cgroup v1 hierarchy is mounted");
  return 0;
}

static int
host_read (cg_host *h, skiff_error **err)
{
  memset (h, 0, sizeof *h);
  if (skiff_cgroup_detect_layout (&h->layout, err) < 0)
    return -1;
  if (h->layout == SKIFF_CGROUP_V2)
    {
      h->unified = xstrdup (CG_ROOT);
      return 0;
    }
  if (h->layout == SKIFF_CGROUP_HYBRID)
    h->unified = xstrdup (CG_HYBRID_UNIFIED);
  if (load_v1 (h, err) < 0)
    {
      cg_host_free (h);
      return -1;
    }
  return 0;
}

/* The layout is read once per process (a command asks for it several
 * times: create, entry, destroy each parse mountinfo otherwise); callers get
 * their own copy to free. */
int
cg_host_load (cg_host *h, skiff_error **err)
{
  static cg_host cached;
  static bool loaded;
  if (!loaded)
    {
      if (host_read (&cached, err) < 0)
        return -1;
      loaded = true;
    }
  *h = cached;
  h->unified = cached.unified ? xstrdup (cached.unified) : NULL;
  h->v1 = xzalloc ((cached.n_v1 + 1) * sizeof *h->v1);
  for (size_t i = 0; i < cached.n_v1; i++)
    {
      h->v1[i].mount = xstrdup (cached.v1[i].mount);
      h->v1[i].controllers = strv_dup (cached.v1[i].controllers);
    }
  return 0;
}

void
cg_host_free (cg_host *h)
{
  for (size_t i = 0; i < h->n_v1; i++)
    {
      free (h->v1[i].mount);
      strv_free (h->v1[i].controllers);
    }
  free (h->v1);
  free (h->unified);
  memset (h, 0, sizeof *h);
}

const cg_hier *
cg_host_find (const cg_host *h, const char *controller)
{
  for (size_t i = 0; i < h->n_v1; i++)
    for (char **c = h->v1[i].controllers; *c; c++)
      if (strcmp (*c, controller) == 0)
        return &h->v1[i];
  return NULL;
}
