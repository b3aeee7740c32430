/* linux.resources -> systemd unit properties (systemd.resource-control(5),
 * org.freedesktop.systemd1(5)). Pure: no bus, no cgroupfs. */
#include "cgroup/systemd.h"

#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/convert.h"
#include "cgroup/internal.h"
#include "linux/scheduling.h"
#include "util.h"

/* systemd's "infinity" for every uint64 limit (USEC_INFINITY, CGROUP_LIMIT_MAX). */
#define SD_INFINITY UINT64_MAX

static skiff_sd_prop *
add (skiff_sd_props *p, const char *name, const char *sig)
{
  p->v = xrealloc (p->v, (p->n + 1) * sizeof *p->v);
  skiff_sd_prop *q = &p->v[p->n++];
  memset (q, 0, sizeof *q);
  q->name = xstrdup (name);
  q->sig = sig;
  return q;
}

static void
add_u64 (skiff_sd_props *p, const char *name, uint64_t v)
{
  add (p, name, "t")->num = v;
}

/* OCI uses -1 (any negative) for "no limit". */
static uint64_t
limit_or_infinity (int64_t v)
{
  return v < 0 ? SD_INFINITY : (uint64_t) v;
}

/* A cpu list ("0-3,7") as systemd's D-Bus bitmask: byte i bit j is cpu 8i+j,
 * as long as needed for the highest cpu. */
static int
add_cpu_mask (skiff_sd_props *p, const char *name, const char *list, skiff_error **err)
{
  cpu_set_t set;
  if (skiff_cpu_list_parse (list, &set) < 0)
    return skiff_error_set (err, 0, "linux.resources.cpu: invalid cpu list `%s`", list);
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET (c, &set))
      last = c;
  skiff_sd_prop *q = add (p, name, "ay");
  q->n_bytes = last < 0 ? 0 : (size_t) last / 8 + 1;
  q->bytes = xzalloc (q->n_bytes + 1);
  for (int c = 0; c <= last; c++)
    if (CPU_ISSET (c, &set))
      q->bytes[c / 8] |= (uint8_t) (1u << (c % 8));
  return 0;
}

static int
memory_props (skiff_sd_props *p, const oci_memory *m, bool v2, skiff_error **err)
{
  if (m->limit.set)
    add_u64 (p, v2 ? "MemoryMax" : "MemoryLimit", limit_or_infinity (m->limit.value));
  if (!v2)
    return 0; /* v1: reservation and memsw have no systemd property */
  if (m->reservation.set)
    add_u64 (p, "MemoryLow", limit_or_infinity (m->reservation.value));
  if (m->swap.set)
    {
      int64_t swap;
      if (skiff_cg_swap_to_v2 (m->limit.set, m->limit.value, m->swap.value, &swap, err) < 0)
        return -1;
      add_u64 (p, "MemorySwapMax", limit_or_infinity (swap));
    }
  return 0;
}

/* systemd keeps the quota as a share of one CPU-second and writes it back
 * as a percentage with 1% steps when it re-applies the unit, so round up to
 * 10 ms per second: what systemd may rewrite is never below the exact
 * cpu.max the cgroupfs code writes. Without a quota the limit is lifted. */
static void
quota_props (skiff_sd_props *p, const oci_cpu *c)
{
  if (c->quota.set)
    {
      uint64_t period = c->period.set && c->period.value > 0 ? c->period.value : 100000;
      uint64_t per_sec = SD_INFINITY;
      if (c->quota.value > 0)
        {
          per_sec = (uint64_t) c->quota.value * 1000000 / period;
          per_sec = (per_sec + 9999) / 10000 * 10000;
        }
      add_u64 (p, "CPUQuotaPerSecUSec", per_sec);
    }
  if (c->period.set && c->period.value > 0)
    add_u64 (p, "CPUQuotaPeriodUSec", c->period.value);
}

static int
cpu_props (skiff_sd_props *p, const oci_cpu *c, bool v2, skiff_error **err)
{
  if (c->shares.set && c->shares.value > 0)
    {
      if (v2)
        add_u64 (p, "CPUWeight", skiff_cg_shares_to_weight (c->shares.value));
      else
        add_u64 (p, "CPUShares", c->shares.value);
    }
  quota_props (p, c);
  /* systemd drives cpuset only on v2 (AllowedCPUs=, v244+); on v1 the
   * cgroupfs code writes cpuset.cpus/mems. */
  if (v2 && c->cpus && *c->cpus && add_cpu_mask (p, "AllowedCPUs", c->cpus, err) < 0)
    return -1;
  if (v2 && c->mems && *c->mems && add_cpu_mask (p, "AllowedMemoryNodes", c->mems, err) < 0)
    return -1;
  return 0;
}

int
skiff_sd_resource_props (const oci_resources *r, bool v2, skiff_sd_props *out, skiff_error **err)
{
  skiff_sd_props p = { 0 };
  int ret = 0;
  if (r && r->memory)
    ret = memory_props (&p, r->memory, v2, err);
  if (ret == 0 && r && r->cpu)
    ret = cpu_props (&p, r->cpu, v2, err);
  if (ret == 0 && r && r->pids && r->pids->limit.set)
    add_u64 (&p, "TasksMax", r->pids->limit.value <= 0 ? SD_INFINITY : (uint64_t) r->pids->limit.value);
  if (ret == 0 && r && r->block_io && r->block_io->weight.set && r->block_io->weight.value > 0)
    {
      uint64_t w = r->block_io->weight.value;
      if (v2)
        add_u64 (&p, "IOWeight", skiff_cg_blkio_to_io_weight (w));
      else
        add_u64 (&p, "BlockIOWeight", w);
    }
  if (ret < 0)
    {
      skiff_sd_props_free (&p);
      return -1;
    }
  *out = p;
  return 0;
}

/* ---- v1 device rules as DevicePolicy= + DeviceAllow= */

typedef struct {
  char type;       /* 'c' or 'b' */
  int64_t major;   /* -1: any */
  int64_t minor;   /* -1: any */
  char access[4];
} dev_allow;

typedef struct {
  dev_allow *v;
  size_t n;
  bool all;        /* everything allowed (no list) */
} dev_state;

static int64_t
num_or_any (const oci_int *v)
{
  return v->set && v->value >= 0 ? v->value : -1;
}

static void
norm_access (const char *a, char out[4])
{
  size_t k = 0;
  const char *want = "rwm";
  for (size_t i = 0; i < 3; i++)
    if (a == NULL || *a == '\0' || strchr (a, want[i]))
      out[k++] = want[i];
  out[k] = '\0';
}

static bool
overlaps (const dev_allow *a, char type, int64_t major, int64_t minor)
{
  return (type == 'a' || a->type == type) && (a->major < 0 || major < 0 || a->major == major)
         && (a->minor < 0 || minor < 0 || a->minor == minor);
}

static void
push (dev_state *s, char type, int64_t major, int64_t minor, const char *access)
{
  s->v = xrealloc (s->v, (s->n + 1) * sizeof *s->v);
  dev_allow *a = &s->v[s->n++];
  a->type = type;
  a->major = major;
  a->minor = minor;
  norm_access (access, a->access);
}

/* A deny can only take back (some access of) an allow it matches exactly:
 * systemd's list has no deny entries to cut a hole into a wider allow. */
static int
deny (dev_state *s, char type, int64_t major, int64_t minor, const char *acc, const char *rule,
      skiff_error **err)
{
  if (s->all)
    return skiff_error_set (err, 0, "device rule `%s`: a deny after allowing all devices cannot be "
                            "expressed with systemd's DeviceAllow= on cgroup v1", rule);
  size_t k = 0;
  for (size_t i = 0; i < s->n; i++)
    {
      dev_allow *a = &s->v[i];
      if ((type == 'a' || a->type == type) && a->major == major && a->minor == minor)
        {
          char left[4];
          size_t m = 0;
          for (const char *c = a->access; *c; c++)
            if (strchr (acc, *c) == NULL)
              left[m++] = *c;
          left[m] = '\0';
          memcpy (a->access, left, sizeof left);
          if (m == 0)
            continue;
        }
      else if (overlaps (a, type, major, minor))
        return skiff_error_set (err, 0, "device rule `%s`: a deny inside an allowed range cannot be "
                                "expressed with systemd's DeviceAllow= on cgroup v1", rule);
      s->v[k++] = *a;
    }
  s->n = k;
  return 0;
}

static int
apply_rule (dev_state *s, const oci_device_cgroup *d, skiff_error **err)
{
  char rule[96];
  if (skiff_cg_device_rule (d, rule, sizeof rule, err) < 0)
    return -1;
  char type = d->type && *d->type ? d->type[0] : 'a';
  int64_t major = num_or_any (&d->major), minor = num_or_any (&d->minor);
  char acc[4];
  norm_access (d->access, acc);
  bool everything = type == 'a' && major < 0 && minor < 0 && strcmp (acc, "rwm") == 0;
  if (everything)
    {
      s->n = 0;
      s->all = d->allow.value;
      return 0;
    }
  if (!d->allow.value)
    return deny (s, type, major, minor, acc, rule, err);
  if (s->all)
    return 0;
  if (type != 'b')
    push (s, 'c', major, minor, acc);
  if (type != 'c')
    push (s, 'b', major, minor, acc);
  return 0;
}

/* The name /proc/devices gives a major of the type's section. */
static char *
major_name (const char *proc_devices, char type, int64_t major)
{
  const char *section = type == 'c' ? "Character devices:" : "Block devices:";
  const char *s = proc_devices ? strstr (proc_devices, section) : NULL;
  if (s == NULL)
    return NULL;
  for (s = strchr (s, '\n'); s && s[1] && s[1] != '\n'; s = strchr (s + 1, '\n'))
    {
      char *end;
      long m = strtol (s + 1, &end, 10);
      if (end != s + 1 && m == major && *end == ' ')
        return xstrndup (end + 1, strcspn (end + 1, "\n"));
    }
  return NULL;
}

/* DeviceAllow= names: /dev/char/M:m, char-<name> for a whole major (systemd
 * allows every major of that name), char-* for all. */
static int
allow_name (const dev_allow *a, const char *proc_devices, char **out, skiff_error **err)
{
  const char *kind = a->type == 'c' ? "char" : "block";
  if (a->major >= 0 && a->minor >= 0)
    *out = xasprintf ("/dev/%s/%" PRId64 ":%" PRId64, kind, a->major, a->minor);
  else if (a->major < 0 && a->minor < 0)
    *out = xasprintf ("%s-*", kind);
  else if (a->major < 0)
    return skiff_error_set (err, 0, "device rule `%c *:%" PRId64 "`: a minor without a major cannot be "
                            "expressed with systemd's DeviceAllow=", a->type, a->minor);
  else
    {
      cleanup_free char *name = major_name (proc_devices, a->type, a->major);
      if (name == NULL)
        return skiff_error_set (err, 0, "device rule `%c %" PRId64 ":*`: major %" PRId64 " is not in "
                                "/proc/devices, systemd's DeviceAllow= cannot name it", a->type, a->major, a->major);
      *out = xasprintf ("%s-%s", kind, name);
    }
  return 0;
}

static int
emit_devices (const dev_state *s, const char *proc_devices, skiff_sd_props *p, skiff_error **err)
{
  add (p, "DevicePolicy", "s")->str = xstrdup (s->all ? "auto" : "strict");
  skiff_sd_prop *q = add (p, "DeviceAllow", "a(ss)");
  size_t n = 0;
  q->strv = xzalloc (sizeof (char *));
  for (size_t i = 0; i < s->n; i++)
    {
      cleanup_free char *name = NULL;
      if (allow_name (&s->v[i], proc_devices, &name, err) < 0)
        return -1;
      strv_push (&q->strv, &n, name);
      strv_push (&q->strv, &n, s->v[i].access);
    }
  return 0;
}

int
skiff_sd_device_props (const oci_device_cgroup *rules, size_t n, const char *proc_devices, skiff_sd_props *out,
                       skiff_error **err)
{
  /* As cg_v1_apply on create: deny everything, the config's rules, then
   * the defaults. */
  dev_state s = { 0 };
  skiff_sd_props p = { 0 };
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = apply_rule (&s, &rules[i], err);
  for (size_t i = 0; ret == 0 && i < cg_n_default_devices; i++)
    ret = apply_rule (&s, &cg_default_devices[i], err);
  if (ret == 0)
    ret = emit_devices (&s, proc_devices, &p, err);
  free (s.v);
  if (ret < 0)
    {
      skiff_sd_props_free (&p);
      return -1;
    }
  *out = p;
  return 0;
}
