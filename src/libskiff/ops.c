/* Operations on a live container through its cgroup: pause/resume, the
 * process list, resource updates and statistics/events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cgroup/cgroup.h"
#include "skiff.h"
#include "container.h"
#include "state.h"
#include "util.h"

static void
cleanup_recordp (skiff_record **rec)
{
  skiff_record_free (*rec);
}
#define cleanup_record __attribute__ ((cleanup (cleanup_recordp)))

/* Open and lock a container whose creation finished. */
static int
open_container (const skiff_context *ctx, const char *id, bool exclusive, skiff_record **out,
                skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  if (skiff_container_open (ctx, id, exclusive, &rootfd, &rec, err) < 0)
    return -1;
  if (rec->state == NULL)
    {
      skiff_record_free (rec);
      return skiff_error_set (err, 0, "container `%s` is being created, or its creation failed", id);
    }
  *out = rec;
  return 0;
}

/* The container has processes and a cgroup to act on. As runc, a created
 * container counts as running for pause, update and events. */
static int
require_live (const skiff_record *rec, skiff_error **err)
{
  if (!skiff_record_init_alive (rec))
    return skiff_error_set (err, 0, "container `%s` is not running", rec->id);
  if (rec->cgroup_path == NULL)
    return skiff_error_set (err, 0, "container `%s` has no cgroup (rootless, without a cgroup it may write)",
                            rec->id);
  return 0;
}

int
skiff_container_pause (const skiff_context *ctx, const char *id, skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, true, &rec, err) < 0 || require_live (rec, err) < 0)
    return -1;
  if (skiff_cgroup_is_frozen (rec->cgroup_path))
    return skiff_error_set (err, 0, "container `%s` is not running", id);
  if (skiff_cgroup_freeze (rec->cgroup_path, true, err) < 0)
    {
      /* A freeze that did not settle must not leave it half-paused. */
      skiff_cgroup_freeze (rec->cgroup_path, false, NULL);
      return skiff_error_wrap (err, "pause container `%s`", id);
    }
  return 0;
}

int
skiff_container_resume (const skiff_context *ctx, const char *id, skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, true, &rec, err) < 0)
    return -1;
  if (!skiff_record_init_alive (rec) || rec->cgroup_path == NULL
      || !skiff_cgroup_is_frozen (rec->cgroup_path))
    return skiff_error_set (err, 0, "container `%s` is not paused", id);
  if (skiff_cgroup_freeze (rec->cgroup_path, false, err) < 0)
    return skiff_error_wrap (err, "resume container `%s`", id);
  return 0;
}

int
skiff_container_pids (const skiff_context *ctx, const char *id, pid_t **out, size_t *n, skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, false, &rec, err) < 0)
    return -1;
  *out = NULL;
  *n = 0;
  /* A stopped container still has its (empty) cgroup until delete. */
  if (rec->cgroup_path == NULL)
    return skiff_record_pidns_pids (rec, out, n, err);
  return skiff_cgroup_pids (rec->cgroup_path, out, n, err);
}

/* ---- update: the stored config follows what was applied, so a later
 * update or a restart of the engine sees the current limits. */

#define MERGE(dst, src, f)                                                                                   \
  do                                                                                                         \
    if ((src)->f.set)                                                                                        \
      (dst)->f = (src)->f;                                                                                   \
  while (0)

static void
merge_str (char **dst, const char *src)
{
  if (src == NULL)
    return;
  free (*dst);
  *dst = xstrdup (src);
}

static void
merge_memory (oci_resources *d, const oci_memory *s)
{
  if (d->memory == NULL)
    d->memory = xzalloc (sizeof *d->memory);
  oci_memory *m = d->memory;
  MERGE (m, s, limit);
  MERGE (m, s, reservation);
  MERGE (m, s, swap);
  MERGE (m, s, kernel);
  MERGE (m, s, kernel_tcp);
  MERGE (m, s, swappiness);
  MERGE (m, s, disable_oom_killer);
  MERGE (m, s, use_hierarchy);
  MERGE (m, s, check_before_update);
}

static void
merge_cpu (oci_resources *d, const oci_cpu *s)
{
  if (d->cpu == NULL)
    d->cpu = xzalloc (sizeof *d->cpu);
  oci_cpu *c = d->cpu;
  MERGE (c, s, shares);
  MERGE (c, s, quota);
  MERGE (c, s, burst);
  MERGE (c, s, period);
  MERGE (c, s, realtime_runtime);
  MERGE (c, s, realtime_period);
  MERGE (c, s, idle);
  merge_str (&c->cpus, s->cpus);
  merge_str (&c->mems, s->mems);
}

/* Device arrays hold no pointers: a given list replaces the stored one. */
static void
merge_array (void **dst, size_t *dst_n, const void *src, size_t n, size_t size)
{
  if (n == 0)
    return;
  free (*dst);
  *dst = xmalloc (n * size);
  memcpy (*dst, src, n * size);
  *dst_n = n;
}

static void
merge_blkio (oci_resources *d, const oci_block_io *s)
{
  if (d->block_io == NULL)
    d->block_io = xzalloc (sizeof *d->block_io);
  oci_block_io *b = d->block_io;
  MERGE (b, s, weight);
  MERGE (b, s, leaf_weight);
  merge_array ((void **)&b->weight_device, &b->n_weight_device, s->weight_device, s->n_weight_device,
               sizeof *s->weight_device);
#define THROTTLE(f) merge_array ((void **)&b->f, &b->n_##f, s->f, s->n_##f, sizeof *s->f)
  THROTTLE (throttle_read_bps_device);
  THROTTLE (throttle_write_bps_device);
  THROTTLE (throttle_read_iops_device);
  THROTTLE (throttle_write_iops_device);
#undef THROTTLE
}

static void
merge_hugepages (oci_resources *d, const oci_resources *s)
{
  for (size_t i = 0; i < s->n_hugepage_limits; i++)
    {
      const oci_hugepage_limit *l = &s->hugepage_limits[i];
      size_t j = 0;
      while (j < d->n_hugepage_limits && strcmp (d->hugepage_limits[j].page_size, l->page_size) != 0)
        j++;
      if (j == d->n_hugepage_limits)
        {
          d->hugepage_limits = xrealloc (d->hugepage_limits, (j + 1) * sizeof *l);
          d->hugepage_limits[j].page_size = xstrdup (l->page_size);
          d->n_hugepage_limits++;
        }
      d->hugepage_limits[j].limit = l->limit;
    }
}

static void
merge_unified (oci_map *d, const oci_map *s)
{
  for (size_t i = 0; i < s->len; i++)
    {
      size_t j = 0;
      while (j < d->len && strcmp (d->keys[j], s->keys[i]) != 0)
        j++;
      if (j == d->len)
        {
          d->keys = xrealloc (d->keys, (j + 1) * sizeof (char *));
          d->values = xrealloc (d->values, (j + 1) * sizeof (char *));
          d->keys[j] = xstrdup (s->keys[i]);
          d->values[j] = NULL;
          d->len++;
        }
      merge_str (&d->values[j], s->values[i]);
    }
}

/* Device rules accumulate in order, as successive writes to v1's
 * devices.allow/deny do: later rules win. */
static void
merge_devices (oci_resources *d, const oci_resources *s)
{
  if (s->n_devices == 0)
    return;
  d->devices = xrealloc (d->devices, (d->n_devices + s->n_devices) * sizeof *d->devices);
  for (size_t i = 0; i < s->n_devices; i++)
    {
      oci_device_cgroup *to = &d->devices[d->n_devices++];
      *to = s->devices[i];
      to->type = s->devices[i].type ? xstrdup (s->devices[i].type) : NULL;
      to->access = s->devices[i].access ? xstrdup (s->devices[i].access) : NULL;
    }
}

static void
merge_resources (oci_spec *spec, const oci_resources *s)
{
  if (spec->linux_ == NULL)
    spec->linux_ = xzalloc (sizeof *spec->linux_);
  if (spec->linux_->resources == NULL)
    spec->linux_->resources = xzalloc (sizeof *spec->linux_->resources);
  oci_resources *d = spec->linux_->resources;
  if (s->memory)
    merge_memory (d, s->memory);
  if (s->cpu)
    merge_cpu (d, s->cpu);
  if (s->pids)
    {
      if (d->pids == NULL)
        d->pids = xzalloc (sizeof *d->pids);
      MERGE (d->pids, s->pids, limit);
    }
  if (s->block_io)
    merge_blkio (d, s->block_io);
  merge_hugepages (d, s);
  merge_unified (&d->unified, &s->unified);
  merge_devices (d, s);
}

int
skiff_container_update (const skiff_context *ctx, const char *id, const oci_resources *resources,
                        skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, true, &rec, err) < 0 || require_live (rec, err) < 0)
    return -1;
  oci_spec *spec = NULL;
  if (skiff_record_load_spec (rec, &spec, err) < 0)
    return -1;
  /* Merged first: a v2 device program is rebuilt from the whole rule list.
   * The merged config is saved only once the update was applied. */
  merge_resources (spec, resources);
  int r = skiff_cgroup_update (rec->cgroup_path, rec->cgroup_unit, resources, spec->linux_->resources, err);
  if (r < 0)
    skiff_error_wrap (err, "update container `%s`", id);
  else
    r = skiff_record_save_spec (rec, spec, err);
  oci_spec_free (spec);
  return r;
}

/* ---- events */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

/* {"type":TYPE,"id":ID[,"data":{stats}]} on one line. */
static int
event_json (const skiff_record *rec, const char *type, char **out, skiff_error **err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    return skiff_error_set (err, ENOMEM, "events");
  yajl_gen_map_open (g);
  gen_str (g, "type");
  gen_str (g, type);
  gen_str (g, "id");
  gen_str (g, rec->id);
  int r = 0;
  if (strcmp (type, "stats") == 0)
    {
      gen_str (g, "data");
      r = skiff_cgroup_stats (rec->cgroup_path, g, err);
    }
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  if (r == 0 && yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    r = skiff_error_set (err, ENOMEM, "events: generate JSON");
  if (r == 0)
    *out = xstrndup ((const char *)buf, len);
  yajl_gen_free (g);
  return r;
}

int
skiff_container_stats (const skiff_context *ctx, const char *id, char **json, skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, false, &rec, err) < 0 || require_live (rec, err) < 0)
    return -1;
  return event_json (rec, "stats", json, err);
}

static int
emit (const skiff_record *rec, const char *type, skiff_event_fn fn, void *data, skiff_error **err)
{
  cleanup_free char *json = NULL;
  if (event_json (rec, type, &json, err) < 0)
    return -1;
  if (fn (json, data) < 0)
    return skiff_error_set (err, errno, "events: write");
  return 0;
}

/* Poll every ~100 ms for OOM kills (a counter in the memory cgroup) and
 * the init's exit, emit stats every interval. Polling instead of v1's
 * cgroup.event_control eventfd keeps one code path for v1 and v2; 100 ms of
 * latency is invisible to an engine that reports OOMs after the fact. */
static int
events_loop (const skiff_record *rec, unsigned interval_ms, skiff_event_fn fn, void *data, skiff_error **err)
{
  uint64_t ooms = 0, next = monotonic_usec () / 1000 + interval_ms;
  bool have_oom = skiff_cgroup_oom_count (rec->cgroup_path, &ooms, NULL) == 0;
  unsigned step = interval_ms < 100 ? interval_ms : 100;
  const struct timespec tick = { 0, (long)step * 1000 * 1000 };
  while (skiff_record_init_alive (rec))
    {
      uint64_t cur;
      if (have_oom && skiff_cgroup_oom_count (rec->cgroup_path, &cur, NULL) == 0)
        {
          if (cur > ooms && emit (rec, "oom", fn, data, err) < 0)
            return -1;
          ooms = cur;
        }
      if (monotonic_usec () / 1000 >= next)
        {
          /* The cgroup may vanish between the liveness check and the read:
           * that is the end of the stream, not an error. */
          skiff_error *stats_err = NULL;
          if (emit (rec, "stats", fn, data, &stats_err) < 0)
            {
              bool alive = skiff_record_init_alive (rec);
              if (alive && err && *err == NULL)
                *err = stats_err;
              else
                skiff_error_free (stats_err);
              return alive ? -1 : 0;
            }
          next += interval_ms;
        }
      nanosleep (&tick, NULL);
    }
  return 0;
}

int
skiff_container_events (const skiff_context *ctx, const char *id, unsigned interval_ms, skiff_event_fn fn,
                        void *data, skiff_error **err)
{
  cleanup_record skiff_record *rec = NULL;
  if (open_container (ctx, id, false, &rec, err) < 0 || require_live (rec, err) < 0)
    return -1;
  /* The stream runs until the container stops: holding the lock that long
   * would block `delete` and `update`. The record keeps the init's pid and
   * start time, which is all the loop needs. */
  if (flock (rec->dirfd, LOCK_UN) < 0)
    return skiff_error_set (err, errno, "unlock container `%s`", id);
  return events_loop (rec, interval_ms ? interval_ms : 1, fn, data, err);
}
