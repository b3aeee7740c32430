/* The public cgroup interface: choose the driver for the host's layout and
 * dispatch. See cgroup.h. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/convert.h"
#include "cgroup/internal.h"
#include "cgroup/systemd.h"
#include "util.h"

int
skiff_cgroup_path_for (const oci_linux *linux_, const char *id, bool systemd_cgroup, char **out, char **unit,
                       skiff_error **err)
{
  const char *cp = linux_ ? linux_->cgroups_path : NULL;
  *unit = NULL;
  if (systemd_cgroup)
    {
      if (id == NULL || *id == '\0')
        return skiff_error_set (err, EINVAL, "invalid container id for a systemd unit: `%s`", id ? id : "");
      if (skiff_sd_available (err) < 0 || skiff_sd_unit_for (cp, id, unit, out, err) < 0)
        return -1;
      return 0;
    }
  char *path;
  if (cp == NULL || *cp == '\0')
    {
      if (id == NULL || *id == '\0' || strchr (id, '/') != NULL)
        return skiff_error_set (err, EINVAL, "invalid container id for a cgroup path: `%s`", id ? id : "");
      path = xasprintf ("/skiff/%s", id);
    }
  else if (cp[0] == '/')
    path = xstrdup (cp);
  else
    /* runc resolves a relative cgroupsPath against its own cgroup; we use the
     * hierarchy root instead so the result does not depend on where the
     * caller (a shell, a shim) happens to run. */
    path = xasprintf ("/%s", cp);
  if (!skiff_cg_path_is_safe (path))
    {
      skiff_error_set (err, EINVAL, "cgroupsPath `%s`: `..` is not allowed", path);
      free (path);
      return -1;
    }
  *out = path;
  return 0;
}

/* Create path and apply resources, recording in c the directories made
 * (the caller undoes or forgets them); on error c is already undone. */
static int
create_recorded (const cg_host *h, const char *path, const oci_resources *resources, cg_created *c,
                 skiff_error **err)
{
  int r;
  if (h->layout == SKIFF_CGROUP_V2)
    {
      cleanup_free char *dir = cg_join (h->unified, path);
      r = cg_v2_prepare (h->unified, path, c, err);
      if (r == 0)
        r = cg_v2_apply (dir, resources, false, err);
    }
  else
    r = cg_v1_create (h, path, resources, c, err);
  if (r < 0)
    {
      cg_created_undo (c);
      return skiff_error_wrap (err, "cgroup `%s`", path);
    }
  return 0;
}

int
skiff_cgroup_create (const char *path, const oci_resources *resources, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  cg_created c = { 0 };
  if (create_recorded (&h, path, resources, &c, err) < 0)
    return -1;
  cg_created_free (&c);
  return 0;
}

int
skiff_cgroup_enter (const char *path, const char *unit, pid_t pid, const oci_resources *resources,
                    skiff_error **err)
{
  if (cg_check_path (path, err) < 0)
    return -1;
  if (unit)
    return cg_sd_enter (path, unit, pid, resources, err) < 0 ? skiff_error_wrap (err, "cgroup `%s`", path) : 0;
  cleanup_cg_host cg_host h;
  if (cg_host_load (&h, err) < 0)
    return -1;
  /* Limits first, so the process never runs unconstrained in the cgroup. */
  cg_created c = { 0 };
  if (create_recorded (&h, path, resources, &c, err) < 0)
    return -1;
  if (cg_move_pid (&h, path, pid, err) < 0)
    {
      /* Only what was made here goes: a cgroupsPath that existed stays. */
      cg_created_undo (&c);
      return skiff_error_wrap (err, "cgroup `%s`", path);
    }
  cg_created_free (&c);
  return 0;
}

int
skiff_cgroup_update (const char *path, const char *unit, const oci_resources *resources,
                     const oci_resources *merged, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  /* systemd first: the files written below then hold the exact values even
   * where systemd rounds (the CPU quota). */
  if (unit && cg_sd_update (path, unit, resources, err) < 0)
    return -1;
  if (h.layout == SKIFF_CGROUP_V2)
    {
      cleanup_free char *dir = cg_join (h.unified, path);
      if (resources && resources->n_devices > 0 && cg_v2_devices (dir, merged ? merged : resources, err) < 0)
        return -1;
      return cg_v2_apply (dir, resources, true, err);
    }
  if (cg_v1_apply (&h, path, resources, true, err) < 0)
    return -1;
  return h.unified ? cg_hybrid_apply (&h, path, resources, err) : 0;
}

/* The directory whose cgroup.procs lists the container's processes: on v1
 * the pids hierarchy (every task is in one), else memory, freezer, any. */
static char *
procs_dir (const cg_host *h, const char *path)
{
  if (h->layout == SKIFF_CGROUP_V2)
    return cg_join (h->unified, path);
  static const char *const pref[] = { "pids", "memory", "freezer", "cpu" };
  for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++)
    {
      const cg_hier *hi = cg_host_find (h, pref[i]);
      if (hi)
        return cg_join (hi->mount, path);
    }
  return cg_join (h->v1[0].mount, path);
}

int
skiff_cgroup_pids (const char *path, pid_t **out, size_t *n, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  cleanup_free char *dir = procs_dir (&h, path);
  cleanup_free pid_t *pids = NULL;
  size_t count = 0;
  if (access (dir, F_OK) < 0 && errno == ENOENT)
    {
      *out = NULL;
      *n = 0;
      return 0;
    }
  if (cg_read_pids_tree (dir, &pids, &count, err) < 0)
    return -1;
  *out = take_ptr (&pids);
  *n = count;
  return 0;
}

static int
signal_pids (const char *path, int signo, skiff_error **err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (skiff_cgroup_pids (path, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], signo) < 0 && errno != ESRCH)
      return skiff_error_set (err, errno, "kill %d in cgroup `%s`", (int) pids[i], path);
  return 0;
}

/* A process may fork between reading cgroup.procs and the kill. For
 * SIGKILL, v2's cgroup.kill (5.14+) kills the whole subtree atomically;
 * on v1 the cgroup is frozen around the kill so nothing can fork, and the
 * SIGKILLs take effect on thaw. */
int
skiff_cgroup_kill_all (const char *path, int signo, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  if (signo != SIGKILL)
    return signal_pids (path, signo, err);
  if (h.layout == SKIFF_CGROUP_V2)
    {
      cleanup_free char *dir = cg_join (h.unified, path);
      if (cg_has (dir, "cgroup.kill"))
        return cg_write (dir, "cgroup.kill", "1", err);
      return signal_pids (path, signo, err);
    }
  /* The common case on delete: the init died and took its pid namespace
   * with it. An empty cgroup needs no freeze/thaw round trip. */
  pid_t *pids = NULL;
  size_t n = 0;
  bool empty = skiff_cgroup_pids (path, &pids, &n, NULL) == 0 && n == 0;
  free (pids);
  if (empty)
    return 0;
  /* Frozen, nothing can fork out of reach of the signal. Thaw even when the
   * freeze timed out half-way: a FREEZING task would never die. */
  bool freezer = cg_host_find (&h, "freezer") != NULL;
  if (freezer)
    cg_v1_freeze (&h, path, true, NULL);
  int r = signal_pids (path, signo, err);
  if (freezer && cg_v1_freeze (&h, path, false, r < 0 ? NULL : err) < 0)
    return -1;
  return r;
}

int
skiff_cgroup_destroy (const char *path, const char *unit, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  /* Parents (e.g. /skiff, the slice) are left: other containers may share
   * them. With systemd, what remains after the stop job are the v1
   * hierarchies systemd does not manage (freezer, cpuset, ...). */
  int ret = unit ? cg_sd_destroy (path, unit, err) : 0;
  for (size_t i = 0; i < h.n_v1; i++)
    {
      cleanup_free char *dir = cg_join (h.v1[i].mount, path);
      if (cg_rmdir_tree (dir, err) < 0)
        ret = -1;
    }
  if (h.unified)
    {
      cleanup_free char *dir = cg_join (h.unified, path);
      if (cg_rmdir_tree (dir, err) < 0)
        ret = -1;
    }
  return ret;
}

int
skiff_cgroup_freeze (const char *path, bool frozen, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  if (h.layout == SKIFF_CGROUP_V2)
    {
      cleanup_free char *dir = cg_join (h.unified, path);
      return cg_v2_freeze (dir, frozen, err);
    }
  return cg_v1_freeze (&h, path, frozen, err);
}
