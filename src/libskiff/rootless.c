#include "rootless.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "linux/mounts.h"
#include "util.h"

static bool
id_mapped (const oci_id_mapping *maps, size_t n, unsigned long long id)
{
  for (size_t i = 0; i < n; i++)
    {
      unsigned long long first = maps[i].container_id.value;
      if (id >= first && id - first < maps[i].size.value)
        return true;
    }
  return false;
}

/* A filesystem given uid=N or gid=N for an id the namespace does not map
 * fails with a bare EINVAL at mount time; say which option is wrong instead. */
static int
check_mount_ids (const oci_spec *s, skiff_error **err)
{
  const oci_linux *lx = s->linux_;
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const oci_mount *m = &s->mounts[i];
      for (size_t j = 0; j < m->n_options; j++)
        {
          const char *opt = m->options[j];
          bool uid = strncmp (opt, "uid=", 4) == 0, gid = strncmp (opt, "gid=", 4) == 0;
          long v;
          if ((!uid && !gid) || parse_long (opt + 4, 0, 4294967295L, &v) < 0)
            continue;
          const oci_id_mapping *maps = uid ? lx->uid_mappings : lx->gid_mappings;
          size_t n = uid ? lx->n_uid_mappings : lx->n_gid_mappings;
          if (!id_mapped (maps, n, (unsigned long long)v))
            return skiff_error_set (err, 0,
                                    "mounts: destination %s: option %s names an id the container's user "
                                    "namespace does not map (a rootless container)",
                                    m->destination ? m->destination : "", opt);
        }
    }
  return 0;
}

static int
check_idmapped_mounts (const oci_spec *s, skiff_error **err)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const oci_mount *m = &s->mounts[i];
      skiff_mount_opts o;
      if (skiff_mount_opts_parse (m->options, m->n_options, &o, err) < 0)
        return skiff_error_wrap (err, "mounts: destination %s", m->destination ? m->destination : "");
      bool idmap = skiff_mount_is_idmapped (m, &o);
      skiff_mount_opts_free (&o);
      if (idmap)
        return skiff_error_set (err, 0,
                                "mounts: destination %s: idmapped mounts need CAP_SYS_ADMIN in the host user "
                                "namespace: not possible for a rootless container",
                                m->destination ? m->destination : "");
    }
  return 0;
}

int
skiff_rootless_check (const oci_spec *s, const skiff_ns_plan *ns, skiff_error **err)
{
  const oci_linux *lx = s->linux_;
  if (!((ns->new_flags | ns->join_flags) & CLONE_NEWUSER))
    return skiff_error_set (err, 0, "linux.namespaces: a rootless container needs a user namespace");
  if (ns->new_flags & CLONE_NEWUSER)
    {
      if (lx->n_uid_mappings == 0)
        return skiff_error_set (err, 0,
                                "linux.uidMappings: a rootless container needs at least one uid mapping");
      if (lx->n_gid_mappings == 0)
        return skiff_error_set (err, 0,
                                "linux.gidMappings: a rootless container needs at least one gid mapping");
      if (check_mount_ids (s, err) < 0)
        return -1;
    }
  return check_idmapped_mounts (s, err);
}

static bool
memory_set (const oci_memory *m)
{
  return m
         && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set || m->kernel_tcp.set
             || m->swappiness.set || (m->disable_oom_killer.set && m->disable_oom_killer.value));
}

static bool
cpu_set (const oci_cpu *c)
{
  return c
         && (c->shares.set || c->quota.set || c->burst.set || c->period.set || c->realtime_runtime.set
             || c->realtime_period.set || c->idle.set);
}

static bool
blkio_set (const oci_block_io *b)
{
  return b
         && (b->weight.set || b->leaf_weight.set || b->n_weight_device || b->n_throttle_read_bps_device
             || b->n_throttle_write_bps_device || b->n_throttle_read_iops_device
             || b->n_throttle_write_iops_device);
}

const char *
skiff_resources_controller (const oci_resources *r)
{
  if (r == NULL)
    return NULL;
  if (memory_set (r->memory))
    return "memory";
  if (cpu_set (r->cpu))
    return "cpu";
  if (r->cpu && ((r->cpu->cpus && *r->cpu->cpus) || (r->cpu->mems && *r->cpu->mems)))
    return "cpuset";
  if (r->pids && r->pids->limit.set)
    return "pids";
  if (blkio_set (r->block_io))
    return "blkio";
  if (r->n_hugepage_limits)
    return "hugetlb";
  if (r->network && r->network->class_id.set)
    return "net_cls";
  if (r->network && r->network->n_priorities)
    return "net_prio";
  if (r->n_rdma)
    return "rdma";
  if (r->unified.len)
    return "unified";
  return NULL;
}
