/* linux.resources -> cgroup v2 files (Documentation/admin-guide/cgroup-v2.rst).
 * v1-only knobs with no v2 equivalent fail instead of being dropped. */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/convert.h"
#include "util.h"

static int
need_file (const char *dir, const char *file, const char *what, skiff_error **err)
{
  if (cg_has (dir, file))
    return 0;
  return skiff_error_set (err, ENOTSUP, "%s: `%s/%s` is missing (controller not enabled or kernel too old)", what,
                          dir, file);
}

/* A controller missing from the leaf's cgroup.controllers (not available
 * or not enabled in the parent) would surface as a bare ENOENT on one of
 * its files; say which controller instead. */
static int
need_controller (const char *dir, const char *ctrl, const char *what, skiff_error **err)
{
  if (cg_file_has_word (dir, "cgroup.controllers", ctrl))
    return 0;
  return skiff_error_set (err, ENOTSUP, "%s needs the `%s` controller, which is not available in `%s`", what, ctrl,
                          dir);
}

static int
check_controllers (const char *dir, const oci_resources *r, skiff_error **err)
{
  const oci_cpu *c = r->cpu;
  if (r->memory && need_controller (dir, "memory", "linux.resources.memory", err) < 0)
    return -1;
  if (c && (c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set)
      && need_controller (dir, "cpu", "linux.resources.cpu", err) < 0)
    return -1;
  if (c && ((c->cpus && *c->cpus) || (c->mems && *c->mems))
      && need_controller (dir, "cpuset", "linux.resources.cpu.cpus/mems", err) < 0)
    return -1;
  if (r->pids && r->pids->limit.set && need_controller (dir, "pids", "linux.resources.pids", err) < 0)
    return -1;
  if (r->block_io && need_controller (dir, "io", "linux.resources.blockIO", err) < 0)
    return -1;
  if (r->n_hugepage_limits > 0 && need_controller (dir, "hugetlb", "linux.resources.hugepageLimits", err) < 0)
    return -1;
  if (r->n_rdma > 0 && need_controller (dir, "rdma", "linux.resources.rdma", err) < 0)
    return -1;
  return 0;
}

static int
v2_memory_unsupported (const oci_memory *m, skiff_error **err)
{
  if (m->swappiness.set)
    return skiff_error_set (err, ENOTSUP, "memory.swappiness is not supported on cgroup v2");
  if (m->disable_oom_killer.set && m->disable_oom_killer.value)
    return skiff_error_set (err, ENOTSUP, "memory.disableOOMKiller is not supported on cgroup v2");
  if (m->use_hierarchy.set && !m->use_hierarchy.value)
    return skiff_error_set (err, ENOTSUP, "memory.useHierarchy=false: cgroup v2 is always hierarchical");
  /* kernel/kernelTCP: deprecated, accounted within memory.max on v2; ignored as runc does. */
  return 0;
}

static int
v2_memory (const char *dir, const oci_memory *m, bool update, skiff_error **err)
{
  char buf[32];
  if (v2_memory_unsupported (m, err) < 0)
    return -1;
  if (update && m->check_before_update.value && m->limit.set && m->limit.value >= 0)
    {
      cleanup_free char *cur = NULL;
      if (cg_read (dir, "memory.current", &cur, err) < 0)
        return -1;
      if ((uint64_t) m->limit.value < strtoull (cur, NULL, 10))
        return skiff_error_set (err, EBUSY, "memory.limit %" PRId64 " is below the current usage %s",
                                m->limit.value, cur);
    }
  /* Unlike v1 there is no ordering constraint: memory.max and
   * memory.swap.max are independent limits. */
  if (m->limit.set)
    {
      skiff_cg_memory_value (m->limit.value, true, buf, sizeof buf);
      if (cg_write (dir, "memory.max", buf, err) < 0)
        return -1;
    }
  if (m->swap.set)
    {
      int64_t swap;
      if (skiff_cg_swap_to_v2 (m->limit.set, m->limit.value, m->swap.value, &swap, err) < 0)
        return -1;
      if (need_file (dir, "memory.swap.max", "memory.swap", err) < 0)
        return -1;
      skiff_cg_memory_value (swap, true, buf, sizeof buf);
      if (cg_write (dir, "memory.swap.max", buf, err) < 0)
        return -1;
    }
  if (m->reservation.set)
    {
      skiff_cg_memory_value (m->reservation.value, true, buf, sizeof buf);
      if (cg_write (dir, "memory.low", buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
v2_cpu (const char *dir, const oci_cpu *c, skiff_error **err)
{
  if (c->realtime_runtime.set || c->realtime_period.set)
    return skiff_error_set (err, ENOTSUP, "cpu.realtimeRuntime/realtimePeriod are not supported on cgroup v2");
  if (c->shares.set && c->shares.value > 0
      && cg_writef (dir, "cpu.weight", err, "%" PRIu64, skiff_cg_shares_to_weight (c->shares.value)) < 0)
    return -1;
  if (c->quota.set || c->period.set)
    {
      char buf[64];
      skiff_cg_cpu_max (c, buf, sizeof buf);
      if (cg_write (dir, "cpu.max", buf, err) < 0)
        return -1;
    }
  if (c->burst.set && (need_file (dir, "cpu.max.burst", "cpu.burst", err) < 0
                       || cg_writef (dir, "cpu.max.burst", err, "%" PRIu64, c->burst.value) < 0))
    return -1;
  if (c->idle.set && (need_file (dir, "cpu.idle", "cpu.idle", err) < 0
                      || cg_writef (dir, "cpu.idle", err, "%" PRId64, c->idle.value) < 0))
    return -1;
  if (c->cpus && *c->cpus && cg_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && *c->mems && cg_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

/* io.max takes one "MAJ:MIN key=value" per write; other keys keep their values. */
static int
v2_io_max (const char *dir, const char *key, const oci_throttle_device *d, size_t n, skiff_error **err)
{
  for (size_t i = 0; i < n; i++)
    if (cg_writef (dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major.value,
                   d[i].minor.value, key, d[i].rate.value) < 0)
      return -1;
  return 0;
}

/* With BFQ, io.bfq.weight takes the v1 range 1..1000 unchanged; otherwise
 * io.weight (1..10000) gets the converted value. */
static int
v2_io_weight (const char *dir, const oci_block_io *b, skiff_error **err)
{
  bool bfq = cg_has (dir, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  if (b->leaf_weight.set)
    return skiff_error_set (err, ENOTSUP, "blockIO.leafWeight is not supported on cgroup v2");
  if ((b->weight.set || b->n_weight_device > 0) && need_file (dir, file, "blockIO weight", err) < 0)
    return -1;
  if (b->weight.set && b->weight.value > 0)
    {
      uint64_t w = bfq ? b->weight.value : skiff_cg_blkio_to_io_weight (b->weight.value);
      if (cg_writef (dir, file, err, "default %" PRIu64, w) < 0)
        return -1;
    }
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const oci_weight_device *d = &b->weight_device[i];
      if (d->leaf_weight.set)
        return skiff_error_set (err, ENOTSUP, "blockIO.weightDevice leafWeight is not supported on cgroup v2");
      if (!d->weight.set)
        continue;
      uint64_t w = bfq ? d->weight.value : skiff_cg_blkio_to_io_weight (d->weight.value);
      if (cg_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major.value, d->minor.value, w) < 0)
        return -1;
    }
  return 0;
}

static int
v2_io (const char *dir, const oci_block_io *b, skiff_error **err)
{
  if (v2_io_weight (dir, b, err) < 0)
    return -1;
  if (v2_io_max (dir, "rbps", b->throttle_read_bps_device, b->n_throttle_read_bps_device, err) < 0
      || v2_io_max (dir, "wbps", b->throttle_write_bps_device, b->n_throttle_write_bps_device, err) < 0
      || v2_io_max (dir, "riops", b->throttle_read_iops_device, b->n_throttle_read_iops_device, err) < 0
      || v2_io_max (dir, "wiops", b->throttle_write_iops_device, b->n_throttle_write_iops_device, err) < 0)
    return -1;
  return 0;
}

static int
v2_rest (const char *dir, const oci_resources *r, skiff_error **err)
{
  if (r->pids && r->pids->limit.set)
    {
      char buf[32];
      skiff_cg_pids_max (r->pids->limit.value, buf, sizeof buf);
      if (cg_write (dir, "pids.max", buf, err) < 0)
        return -1;
    }
  if (r->block_io && v2_io (dir, r->block_io, err) < 0)
    return -1;
  if (cg_hugetlb (dir, "max", r, err) < 0)
    return -1;
  if (r->network && (r->network->class_id.set || r->network->n_priorities > 0))
    return skiff_error_set (err, ENOTSUP, "linux.resources.network (net_cls/net_prio) is not supported on cgroup v2");
  if (r->n_rdma > 0 && cg_rdma (dir, r, err) < 0)
    return -1;
  return 0;
}

int
cg_v2_apply (const char *dir, const oci_resources *r, bool update, skiff_error **err)
{
  /* The device policy applies even without linux.resources, as on v1. An
   * update replaces it from the whole rule list: skiff_cgroup_update. */
  if (!update && cg_v2_devices (dir, r, err) < 0)
    return -1;
  if (r == NULL)
    return 0;
  if (check_controllers (dir, r, err) < 0)
    return -1;
  if (r->memory && v2_memory (dir, r->memory, update, err) < 0)
    return -1;
  if (r->cpu && v2_cpu (dir, r->cpu, err) < 0)
    return -1;
  if (v2_rest (dir, r, err) < 0)
    return -1;
  /* unified last: it is the escape hatch and overrides the mapped values. */
  for (size_t i = 0; i < r->unified.len; i++)
    if (cg_unified_write (dir, r->unified.keys[i], r->unified.values[i], err) < 0)
      return -1;
  return 0;
}
