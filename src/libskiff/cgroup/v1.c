/* cgroup v1 driver: one directory per mounted hierarchy
 * (Documentation/admin-guide/cgroup-v1/cgroups.rst). */
#include "cgroup/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "util.h"

static bool
is_blank (const char *s)
{
  return s[strspn (s, " \t\n")] == '\0';
}

/* A new cpuset cgroup starts with empty cpuset.cpus/mems and then refuses
 * tasks with ENOSPC (cgroup-v1/cpusets.rst 1.9); copy them from the parent at
 * every level from the mount down to the leaf. */
static int
cpuset_init_path (const char *mount, const char *path, skiff_error **err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  cleanup_free char *full = cg_join (mount, path);
  for (char *p = full + strlen (mount) + 1; p <= full + strlen (full); p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      cleanup_free char *parent = xstrndup (full, strrchr (full, '/') - full);
      for (size_t i = 0; i < 2; i++)
        {
          cleanup_free char *mine = NULL, *theirs = NULL;
          if (cg_read (full, files[i], &mine, err) < 0)
            return -1;
          if (!is_blank (mine))
            continue;
          if (cg_read (parent, files[i], &theirs, err) < 0 || cg_write (full, files[i], theirs, err) < 0)
            return -1;
        }
      *p = saved;
      if (saved == '\0')
        break;
    }
  return 0;
}

/* Create the directory in every hierarchy (and the unified one on hybrid). */
static int
v1_create (const cg_host *h, const char *path, cg_created *c, skiff_error **err)
{
  for (size_t i = 0; i < h->n_v1; i++)
    if (cg_mkdir_p (h->v1[i].mount, path, c, err) < 0)
      return -1;
  const cg_hier *cpuset = cg_host_find (h, "cpuset");
  if (cpuset && strcmp (path, "/") != 0 && cpuset_init_path (cpuset->mount, path, err) < 0)
    return -1;
  if (h->unified && cg_v2_prepare (h->unified, path, c, err) < 0)
    return -1;
  return 0;
}

/* When moving pid fails half-way it already sits in some of the new
 * directories, which then cannot be removed: move it to each hierarchy root
 * (the caller kills it anyway when create fails). */
void
cg_evict_pid (const cg_host *h, pid_t pid)
{
  for (size_t i = 0; i < h->n_v1; i++)
    cg_write_pid (h->v1[i].mount, pid, NULL);
  if (h->unified)
    cg_write_pid (h->unified, pid, NULL);
}

int
cg_move_pid (const cg_host *h, const char *path, pid_t pid, skiff_error **err)
{
  for (size_t i = 0; i < h->n_v1; i++)
    {
      cleanup_free char *dir = cg_join (h->v1[i].mount, path);
      if (cg_write_pid (dir, pid, err) < 0)
        goto fail;
    }
  if (h->unified)
    {
      cleanup_free char *dir = cg_join (h->unified, path);
      skiff_error *e = NULL;
      /* cgroup2 lets a non-root caller move a process only with write access
       * to cgroup.procs of the common ancestor, the host's root here; runc
       * never joins the hybrid unified tree, so a delegated v1 cgroup is
       * enough for a rootless container (cgroup-v2.rst, "Delegation"). */
      if (cg_write_pid (dir, pid, &e) < 0 && !(geteuid () != 0 && e->errnum == EACCES))
        {
          if (err && *err == NULL)
            *err = e;
          else
            skiff_error_free (e);
          goto fail;
        }
      skiff_error_free (e);
    }
  return 0;
fail:
  cg_evict_pid (h, pid);
  return -1;
}

int
cg_v1_create (const cg_host *h, const char *path, const oci_resources *r, cg_created *c,
              skiff_error **err)
{
  if (v1_create (h, path, c, err) < 0)
    return -1;
  if (cg_v1_apply (h, path, r, false, err) < 0)
    return -1;
  return h->unified ? cg_hybrid_apply (h, path, r, err) : 0;
}

/* freezer.state goes THAWED -> FREEZING -> FROZEN; FREEZING may persist while
 * tasks are in uninterruptible sleep, so keep re-requesting (as the kernel
 * doc suggests) and give up after ~2 s. (cgroup-v1/freezer-subsystem.rst) */
int
cg_v1_freeze (const cg_host *h, const char *path, bool frozen, skiff_error **err)
{
  const cg_hier *fz = cg_host_find (h, "freezer");
  if (fz == NULL)
    return skiff_error_set (err, ENOTSUP, "freeze: no freezer cgroup hierarchy is mounted");
  cleanup_free char *dir = cg_join (fz->mount, path);
  const char *want = frozen ? "FROZEN" : "THAWED";
  const struct timespec ms = { 0, 1000 * 1000 };
  for (int i = 0; i < 2000; i++)
    {
      cleanup_free char *state = NULL;
      if (i % 100 == 0 && cg_write (dir, "freezer.state", want, err) < 0)
        return -1;
      if (cg_read (dir, "freezer.state", &state, err) < 0)
        return -1;
      if (strncmp (state, want, strlen (want)) == 0)
        return 0;
      nanosleep (&ms, NULL);
    }
  return skiff_error_set (err, EBUSY, "freeze `%s`: still not %s after 2 s", dir, want);
}
