/* The systemd driver on top of the cgroupfs code: systemd makes and removes
 * the unit, the cgroupfs code writes the values into the unit's cgroup
 * (exact values, and everything systemd has no property for), exactly as
 * the cgroupfs driver would into a directory of its own. */
#include "cgroup/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util.h"

/* The properties for r on this host; on v1 also the device policy, which
 * systemd would otherwise reset to allow-all whenever it re-applies the
 * unit (cgroup v2 devices are a BPF program of ours that systemd leaves
 * alone). */
static int
unit_props (const cg_host *h, const oci_resources *r, bool with_devices, skiff_sd_props *out, skiff_error **err)
{
  bool v2 = h->layout == SKIFF_CGROUP_V2;
  if (skiff_sd_resource_props (r, v2, out, err) < 0)
    return -1;
  if (v2 || !with_devices)
    return 0;
  cleanup_free char *proc_devices = NULL;
  skiff_sd_props dev = { 0 };
  if (read_file_at (AT_FDCWD, "/proc/devices", &proc_devices, NULL, err) < 0
      || skiff_sd_device_props (r ? r->devices : NULL, r ? r->n_devices : 0, proc_devices, &dev, err) < 0)
    {
      skiff_sd_props_free (out);
      return -1;
    }
  out->v = xrealloc (out->v, (out->n + dev.n) * sizeof *out->v);
  memcpy (out->v + out->n, dev.v, dev.n * sizeof *dev.v);
  out->n += dev.n;
  free (dev.v);
  return 0;
}

/* The cgroupfs half of enter. systemd made the unit's directories (every
 * hierarchy it manages); on v1 the others (freezer, cpuset, ...) are made
 * here, recorded in c. The pid is already in a scope; a slice gets it here. */
static int
fill_cgroup (const cg_host *h, const char *path, pid_t pid, const oci_resources *r, cg_created *c,
             skiff_error **err)
{
  if (h->layout != SKIFF_CGROUP_V2)
    return cg_v1_create (h, path, r, c, err) < 0 ? -1 : cg_move_pid (h, path, pid, err);
  cleanup_free char *dir = cg_join (h->unified, path);
  if (!cg_has (dir, "cgroup.procs"))
    return skiff_error_set (err, ENOENT, "systemd did not create `%s`", dir);
  if (cg_v2_apply (dir, r, false, err) < 0)
    return -1;
  return cg_write_pid (dir, pid, err);
}

/* Undo a half-done enter: the pid back to the root cgroups (so the stop
 * job finds the unit empty and need not signal it), what was made here,
 * then the unit itself. */
static void
undo_enter (const cg_host *h, const char *unit, pid_t pid, cg_created *c)
{
  cg_evict_pid (h, pid);
  cg_created_undo (c);
  skiff_sd_stop_unit (unit, NULL);
}

int
cg_sd_enter (const char *path, const char *unit, pid_t pid, const oci_resources *r, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_host_load (&h, err) < 0)
    return -1;
  skiff_sd_props props = { 0 };
  if (unit_props (&h, r, true, &props, err) < 0)
    return -1;
  cleanup_free char *desc = xasprintf ("skiff container %s", unit);
  skiff_sd_start s = { .unit = unit, .path = path, .description = desc, .pid = pid, .props = &props };
  int ret = skiff_sd_start_unit (&s, err);
  skiff_sd_props_free (&props);
  if (ret < 0)
    return -1;
  cg_created c = { 0 };
  if (fill_cgroup (&h, path, pid, r, &c, err) < 0)
    {
      undo_enter (&h, unit, pid, &c);
      return -1;
    }
  cg_created_free (&c);
  return 0;
}

int
cg_sd_update (const char *path, const char *unit, const oci_resources *r, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_host_load (&h, err) < 0)
    return -1;
  if (h.layout != SKIFF_CGROUP_V2 && r && r->n_devices > 0)
    return skiff_error_set (err, ENOTSUP, "updating device rules with the systemd cgroup driver on cgroup v1 "
                            "is not supported");
  skiff_sd_props props = { 0 };
  if (unit_props (&h, r, false, &props, err) < 0)
    return -1;
  int ret = skiff_sd_set_properties (unit, &props, err);
  skiff_sd_props_free (&props);
  return ret;
}

int
cg_sd_destroy (const char *path, const char *unit, skiff_error **err)
{
  /* The caller killed every process: the stop job only removes the unit
   * and its cgroup. */
  return skiff_sd_stop_unit (unit, err);
}
