/* linux.resources -> cgroup v1 files (Documentation/admin-guide/cgroup-v1/),
 * plus the parts of a hybrid host that live in its cgroup2 mount. */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/convert.h"
#include "util.h"

#define DEV(t, ma, mi, acc) \
  { .allow = { true, true }, .type = (char *) t, .major = { ma, ma >= 0 }, .minor = { mi, mi >= 0 }, \
    .access = (char *) acc }

/* runc's default allow list: mknod of anything (the rootfs decides what
 * exists), and the devices every container gets in /dev. */
const oci_device_cgroup cg_default_devices[] = {
  DEV ("c", -1, -1, "m"), DEV ("b", -1, -1, "m"),
  DEV ("c", 1, 3, "rwm"),  /* null */
  DEV ("c", 1, 5, "rwm"),  /* zero */
  DEV ("c", 1, 7, "rwm"),  /* full */
  DEV ("c", 1, 8, "rwm"),  /* random */
  DEV ("c", 1, 9, "rwm"),  /* urandom */
  DEV ("c", 5, 0, "rwm"),  /* tty */
  DEV ("c", 5, 2, "rwm"),  /* ptmx */
  DEV ("c", 136, -1, "rwm"), /* pts/N */
};
const size_t cg_n_default_devices = sizeof cg_default_devices / sizeof cg_default_devices[0];

/* The directory of path in the hierarchy of controller; an error when the
 * config asks for a controller this host has not mounted. */
static char *
v1_dir (const cg_host *h, const char *controller, const char *path, skiff_error **err)
{
  const cg_hier *hi = cg_host_find (h, controller);
  if (hi == NULL)
    {
      skiff_error_set (err, ENOTSUP, "linux.resources needs the `%s` cgroup controller, which is not mounted",
                       controller);
      return NULL;
    }
  return cg_join (hi->mount, path);
}

static int
write_i64 (const char *dir, const char *file, int64_t v, skiff_error **err)
{
  return cg_writef (dir, file, err, "%" PRId64, v);
}

static int
write_u64 (const char *dir, const char *file, uint64_t v, skiff_error **err)
{
  return cg_writef (dir, file, err, "%" PRIu64, v);
}

/* memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes
 * (cgroup-v1/memory.rst 2.4), so the order matters when both change. From
 * (L, S) to (L', S'): writing S' first is valid iff S' >= L; otherwise
 * S' < L <= S and L' <= S' < S, so writing L' first is valid. */
static int
v1_limit_and_swap (const char *dir, const oci_memory *m, skiff_error **err)
{
  char lim[32], sw[32];
  bool has_memsw = cg_has (dir, "memory.memsw.limit_in_bytes");
  oci_int swap = m->swap;
  /* Unlimited memory with a finite old memsw would be refused: lift memsw too. */
  if (m->limit.set && m->limit.value < 0 && !swap.set && has_memsw)
    swap = (oci_int) { -1, true };
  if (swap.set && !has_memsw)
    {
      if (swap.value < 0)
        swap.set = false; /* unlimited is what we have without swap accounting */
      else
        return skiff_error_set (err, ENOTSUP, "memory.swap is set but `%s/memory.memsw.limit_in_bytes` is "
                                "missing (swap accounting disabled, swapaccount=1)", dir);
    }
  if (m->limit.set)
    skiff_cg_memory_value (m->limit.value, false, lim, sizeof lim);
  if (swap.set)
    skiff_cg_memory_value (swap.value, false, sw, sizeof sw);
  if (!swap.set)
    return m->limit.set ? cg_write (dir, "memory.limit_in_bytes", lim, err) : 0;
  if (!m->limit.set)
    return cg_write (dir, "memory.memsw.limit_in_bytes", sw, err);
  cleanup_free char *cur = NULL;
  if (cg_read (dir, "memory.limit_in_bytes", &cur, err) < 0)
    return -1;
  uint64_t old_limit = strtoull (cur, NULL, 10);
  if (swap.value < 0 || (uint64_t) swap.value >= old_limit)
    return cg_write (dir, "memory.memsw.limit_in_bytes", sw, err) < 0 ? -1
           : cg_write (dir, "memory.limit_in_bytes", lim, err);
  return cg_write (dir, "memory.limit_in_bytes", lim, err) < 0 ? -1
         : cg_write (dir, "memory.memsw.limit_in_bytes", sw, err);
}

/* checkBeforeUpdate: refuse a limit below the current usage instead of
 * letting the kernel reclaim or OOM-kill (runtime-spec config-linux.md). */
static int
check_usage (const char *dir, const char *usage_file, const oci_memory *m, skiff_error **err)
{
  if (!m->check_before_update.value || !m->limit.set || m->limit.value < 0)
    return 0;
  cleanup_free char *cur = NULL;
  if (cg_read (dir, usage_file, &cur, err) < 0)
    return -1;
  uint64_t usage = strtoull (cur, NULL, 10);
  if ((uint64_t) m->limit.value < usage)
    return skiff_error_set (err, EBUSY, "memory.limit %" PRId64 " is below the current usage %" PRIu64,
                            m->limit.value, usage);
  return 0;
}

/* kernel/kernelTCP are deprecated (runtime-spec; kmem limits are no-ops
 * since Linux 5.16 and the files go away later): write them when the file
 * exists and accepts the value, else ignore, as runc does. */
static void
v1_kmem (const char *dir, const char *file, const oci_int *v)
{
  if (v->set && cg_has (dir, file))
    {
      char buf[32];
      skiff_cg_memory_value (v->value, false, buf, sizeof buf);
      cg_write (dir, file, buf, NULL);
    }
}

static int
v1_memory (const cg_host *h, const char *path, const oci_memory *m, bool update, skiff_error **err)
{
  cleanup_free char *dir = v1_dir (h, "memory", path, err);
  if (dir == NULL)
    return -1;
  if (update && check_usage (dir, "memory.usage_in_bytes", m, err) < 0)
    return -1;
  if (v1_limit_and_swap (dir, m, err) < 0)
    return -1;
  if (m->reservation.set)
    {
      char buf[32];
      skiff_cg_memory_value (m->reservation.value, false, buf, sizeof buf);
      if (cg_write (dir, "memory.soft_limit_in_bytes", buf, err) < 0)
        return -1;
    }
  if (m->swappiness.set)
    {
      if (m->swappiness.value > 100)
        return skiff_error_set (err, EINVAL, "memory.swappiness %" PRIu64 " is out of 0..100", m->swappiness.value);
      if (write_u64 (dir, "memory.swappiness", m->swappiness.value, err) < 0)
        return -1;
    }
  if (m->disable_oom_killer.set && cg_write (dir, "memory.oom_control", m->disable_oom_killer.value ? "1" : "0", err) < 0)
    return -1;
  if (m->use_hierarchy.set && cg_write (dir, "memory.use_hierarchy", m->use_hierarchy.value ? "1" : "0", err) < 0)
    return -1;
  v1_kmem (dir, "memory.kmem.limit_in_bytes", &m->kernel);
  v1_kmem (dir, "memory.kmem.tcp.limit_in_bytes", &m->kernel_tcp);
  return 0;
}

static int
v1_cfs (const char *dir, const oci_cpu *c, skiff_error **err)
{
  /* Period first: the quota is validated against it (cgroup-v1 sched-bwc). */
  if (c->period.set && write_u64 (dir, "cpu.cfs_period_us", c->period.value, err) < 0)
    return -1;
  if (c->quota.set && write_i64 (dir, "cpu.cfs_quota_us", c->quota.value > 0 ? c->quota.value : -1, err) < 0)
    return -1;
  /* Burst after quota: the kernel refuses a burst above the quota. */
  if (c->burst.set)
    {
      if (!cg_has (dir, "cpu.cfs_burst_us"))
        return skiff_error_set (err, ENOTSUP, "cpu.burst is set but `%s/cpu.cfs_burst_us` is missing (kernel < 5.14?)", dir);
      if (write_u64 (dir, "cpu.cfs_burst_us", c->burst.value, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_cpu (const cg_host *h, const char *path, const oci_cpu *c, skiff_error **err)
{
  bool any = c->shares.set || c->quota.set || c->period.set || c->burst.set || c->realtime_runtime.set
             || c->realtime_period.set || c->idle.set;
  if (any)
    {
      cleanup_free char *dir = v1_dir (h, "cpu", path, err);
      if (dir == NULL)
        return -1;
      if (c->shares.set && write_u64 (dir, "cpu.shares", c->shares.value, err) < 0)
        return -1;
      if (v1_cfs (dir, c, err) < 0)
        return -1;
      /* rt period before runtime: runtime must fit in the period. */
      if (c->realtime_period.set && write_u64 (dir, "cpu.rt_period_us", c->realtime_period.value, err) < 0)
        return -1;
      if (c->realtime_runtime.set && write_i64 (dir, "cpu.rt_runtime_us", c->realtime_runtime.value, err) < 0)
        return -1;
      /* cpu.idle exists on v1 too since Linux 5.15 (SCHED_IDLE groups). */
      if (c->idle.set && !cg_has (dir, "cpu.idle"))
        return skiff_error_set (err, ENOTSUP, "cpu.idle is set but `%s/cpu.idle` is missing (kernel < 5.15?)", dir);
      if (c->idle.set && write_i64 (dir, "cpu.idle", c->idle.value, err) < 0)
        return -1;
    }
  if ((c->cpus && *c->cpus) || (c->mems && *c->mems))
    {
      cleanup_free char *dir = v1_dir (h, "cpuset", path, err);
      if (dir == NULL)
        return -1;
      if (c->cpus && *c->cpus && cg_write (dir, "cpuset.cpus", c->cpus, err) < 0)
        return -1;
      if (c->mems && *c->mems && cg_write (dir, "cpuset.mems", c->mems, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_pids (const cg_host *h, const char *path, const oci_pids *p, skiff_error **err)
{
  if (!p->limit.set)
    return 0;
  cleanup_free char *dir = v1_dir (h, "pids", path, err);
  if (dir == NULL)
    return -1;
  char buf[32];
  skiff_cg_pids_max (p->limit.value, buf, sizeof buf);
  return cg_write (dir, "pids.max", buf, err);
}

/* "maj:min value" lines, one write each (blkio-controller.rst). */
static int
v1_throttle (const char *dir, const char *file, const oci_throttle_device *d, size_t n, skiff_error **err)
{
  for (size_t i = 0; i < n; i++)
    if (cg_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major.value, d[i].minor.value,
                   d[i].rate.value) < 0)
      return -1;
  return 0;
}

/* Weights go to blkio.weight (CFQ, gone since 5.0) or blkio.bfq.weight (BFQ). */
static int
v1_blkio_weights (const char *dir, const oci_block_io *b, skiff_error **err)
{
  const char *prefix = cg_has (dir, "blkio.weight") ? "blkio." : "blkio.bfq.";
  bool want = b->weight.set || b->n_weight_device > 0;
  cleanup_free char *wfile = xasprintf ("%sweight", prefix);
  if (want && !cg_has (dir, wfile))
    return skiff_error_set (err, ENOTSUP, "blockIO weight is set but `%s` has neither blkio.weight nor "
                            "blkio.bfq.weight (no CFQ/BFQ I/O scheduler)", dir);
  if (b->weight.set && write_u64 (dir, wfile, b->weight.value, err) < 0)
    return -1;
  if (b->leaf_weight.set && write_u64 (dir, "blkio.leaf_weight", b->leaf_weight.value, err) < 0)
    return -1;
  cleanup_free char *wdev = xasprintf ("%sweight_device", prefix);
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const oci_weight_device *d = &b->weight_device[i];
      if (d->weight.set && cg_writef (dir, wdev, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major.value,
                                      d->minor.value, d->weight.value) < 0)
        return -1;
      if (d->leaf_weight.set && cg_writef (dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                           d->major.value, d->minor.value, d->leaf_weight.value) < 0)
        return -1;
    }
  return 0;
}

static int
v1_blkio (const cg_host *h, const char *path, const oci_block_io *b, skiff_error **err)
{
  cleanup_free char *dir = v1_dir (h, "blkio", path, err);
  if (dir == NULL)
    return -1;
  if (v1_blkio_weights (dir, b, err) < 0)
    return -1;
  if (v1_throttle (dir, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
                   b->n_throttle_read_bps_device, err) < 0
      || v1_throttle (dir, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
                      b->n_throttle_write_bps_device, err) < 0
      || v1_throttle (dir, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
                      b->n_throttle_read_iops_device, err) < 0
      || v1_throttle (dir, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
                      b->n_throttle_write_iops_device, err) < 0)
    return -1;
  return 0;
}

static int
check_page_size (const char *ps, skiff_error **err)
{
  if (ps == NULL || *ps == '\0' || strchr (ps, '/') || strstr (ps, ".."))
    return skiff_error_set (err, EINVAL, "hugepageLimits: invalid pageSize `%s`", ps ? ps : "");
  return 0;
}

/* Files are hugetlb.<pageSize>.<suffix>: suffix "limit_in_bytes" (v1) or "max" (v2). */
int
cg_hugetlb (const char *dir, const char *suffix, const oci_resources *r, skiff_error **err)
{
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      const oci_hugepage_limit *l = &r->hugepage_limits[i];
      if (check_page_size (l->page_size, err) < 0)
        return -1;
      cleanup_free char *file = xasprintf ("hugetlb.%s.%s", l->page_size, suffix);
      if (!cg_has (dir, file))
        return skiff_error_set (err, ENOTSUP, "hugepage size `%s`: `%s/%s` is missing", l->page_size, dir, file);
      if (write_u64 (dir, file, l->limit.value, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_network (const cg_host *h, const char *path, const oci_network *n, skiff_error **err)
{
  if (n->class_id.set)
    {
      cleanup_free char *dir = v1_dir (h, "net_cls", path, err);
      if (dir == NULL || write_u64 (dir, "net_cls.classid", n->class_id.value, err) < 0)
        return -1;
    }
  if (n->n_priorities == 0)
    return 0;
  cleanup_free char *dir = v1_dir (h, "net_prio", path, err);
  if (dir == NULL)
    return -1;
  /* One "ifname prio" pair per write (cgroup-v1/net_prio.rst). */
  for (size_t i = 0; i < n->n_priorities; i++)
    if (cg_writef (dir, "net_prio.ifpriomap", err, "%s %" PRIu64, n->priorities[i].name,
                   n->priorities[i].priority.value) < 0)
      return -1;
  return 0;
}

static int
v1_device_rules (const char *dir, const oci_device_cgroup *d, size_t n, skiff_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      char rule[96];
      if (skiff_cg_device_rule (&d[i], rule, sizeof rule, err) < 0)
        return -1;
      if (cg_write (dir, d[i].allow.value ? "devices.allow" : "devices.deny", rule, err) < 0)
        return -1;
    }
  return 0;
}

/* On create: "a" to devices.deny empties the allow list and makes deny the
 * default (cgroup-v1/devices.rst), then the config's rules in order, then the
 * default set. The defaults come last, as in runc, because the usual config
 * starts with a deny-all rule that would otherwise wipe them. On update only
 * the given rules are applied. */
static int
v1_devices (const cg_host *h, const char *path, const oci_resources *r, bool update, skiff_error **err)
{
  size_t n = r ? r->n_devices : 0;
  if (update && n == 0)
    return 0;
  /* Device rules need CAP_SYS_ADMIN in the host user namespace; a rootless
   * runtime (even in a delegated cgroup) leaves them alone, as runc does:
   * its containers get bind-mounted host devices, whose modes apply. */
  if (geteuid () != 0)
    return 0;
  cleanup_free char *dir = v1_dir (h, "devices", path, err);
  if (dir == NULL)
    return -1;
  if (!update && cg_write (dir, "devices.deny", "a", err) < 0)
    return -1;
  if (v1_device_rules (dir, r ? r->devices : NULL, n, err) < 0)
    return -1;
  return update ? 0 : v1_device_rules (dir, cg_default_devices, cg_n_default_devices, err);
}

/* rdma.max: "<device> hca_handle=<n> hca_object=<n>" (cgroup-v1/rdma.rst,
 * same format on v2). */
int
cg_rdma (const char *dir, const oci_resources *r, skiff_error **err)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const oci_rdma *d = &r->rdma[i];
      char h[32] = "max", o[32] = "max";
      if (d->hca_handles.set)
        snprintf (h, sizeof h, "%" PRIu64, d->hca_handles.value);
      if (d->hca_objects.set)
        snprintf (o, sizeof o, "%" PRIu64, d->hca_objects.value);
      if (cg_writef (dir, "rdma.max", err, "%s hca_handle=%s hca_object=%s", d->name, h, o) < 0)
        return -1;
    }
  return 0;
}

/* A linux.resources.unified entry: key names one file of the cgroup dir. */
int
cg_unified_write (const char *dir, const char *key, const char *value, skiff_error **err)
{
  if (!skiff_cg_unified_key_ok (key))
    return skiff_error_set (err, EINVAL, "linux.resources.unified: invalid key `%s`", key ? key : "");
  if (!cg_has (dir, key))
    return skiff_error_set (err, ENOTSUP, "linux.resources.unified: `%s/%s` does not exist "
                            "(controller not enabled or unknown file)", dir, key);
  return cg_write (dir, key, value, err);
}

static int
v1_hugetlb (const cg_host *h, const char *path, const oci_resources *r, skiff_error **err)
{
  if (r->n_hugepage_limits == 0)
    return 0;
  if (cg_host_find (h, "hugetlb") == NULL && h->unified)
    return 0; /* a hybrid host may have hugetlb in cgroup2: cg_hybrid_apply */
  cleanup_free char *dir = v1_dir (h, "hugetlb", path, err);
  return dir == NULL ? -1 : cg_hugetlb (dir, "limit_in_bytes", r, err);
}

static int
v1_rest (const cg_host *h, const char *path, const oci_resources *r, skiff_error **err)
{
  if (r->block_io && v1_blkio (h, path, r->block_io, err) < 0)
    return -1;
  if (v1_hugetlb (h, path, r, err) < 0)
    return -1;
  if (r->network && v1_network (h, path, r->network, err) < 0)
    return -1;
  if (r->n_rdma > 0)
    {
      cleanup_free char *dir = v1_dir (h, "rdma", path, err);
      if (dir == NULL || cg_rdma (dir, r, err) < 0)
        return -1;
    }
  if (r->unified.len > 0 && h->unified == NULL)
    return skiff_error_set (err, ENOTSUP, "linux.resources.unified needs cgroup v2; this host has only v1");
  return 0;
}

int
cg_v1_apply (const cg_host *h, const char *path, const oci_resources *r, bool update, skiff_error **err)
{
  if (v1_devices (h, path, r, update, err) < 0)
    return -1;
  if (r == NULL)
    return 0;
  if (r->memory && v1_memory (h, path, r->memory, update, err) < 0)
    return -1;
  if (r->cpu && v1_cpu (h, path, r->cpu, err) < 0)
    return -1;
  if (r->pids && v1_pids (h, path, r->pids, err) < 0)
    return -1;
  return v1_rest (h, path, r, err);
}

/* On hybrid the cgroup2 mount usually has few controllers (here: hugetlb
 * only); a unified key is accepted only when its controller is there. */
int
cg_hybrid_apply (const cg_host *h, const char *path, const oci_resources *r, skiff_error **err)
{
  if (r == NULL)
    return 0;
  cleanup_free char *dir = cg_join (h->unified, path);
  if (r->n_hugepage_limits > 0 && cg_host_find (h, "hugetlb") == NULL)
    {
      if (!cg_file_has_word (dir, "cgroup.controllers", "hugetlb"))
        return skiff_error_set (err, ENOTSUP, "hugepageLimits: no hugetlb controller in v1 or in `%s`", h->unified);
      if (cg_hugetlb (dir, "max", r, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < r->unified.len; i++)
    {
      const char *key = r->unified.keys[i];
      char ctrl[64];
      skiff_cg_unified_controller (key ? key : "", ctrl, sizeof ctrl);
      if (strcmp (ctrl, "cgroup") != 0 && !cg_file_has_word (dir, "cgroup.controllers", ctrl))
        return skiff_error_set (err, ENOTSUP, "linux.resources.unified `%s`: controller `%s` is not in this "
                                "hybrid host's cgroup2 mount `%s`", key, ctrl, h->unified);
      if (cg_unified_write (dir, key, r->unified.values[i], err) < 0)
        return -1;
    }
  return 0;
}
