/* Pure cgroup value conversions; see convert.h for the formulas. */
#include "cgroup/convert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

uint64_t
skiff_cg_shares_to_weight (uint64_t shares)
{
  /* Kernel bounds: MIN_SHARES 2, MAX_SHARES 262144 (kernel/sched/sched.h);
   * cpu.weight is 1..10000 (cgroup-v2.rst "cpu.weight"). */
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
skiff_cg_blkio_to_io_weight (uint64_t weight)
{
  /* blkio.weight is 10..1000 (cgroup-v1/blkio-controller.rst), io.weight is
   * 1..10000 (cgroup-v2.rst "io.weight"). */
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

int
skiff_cg_swap_to_v2 (bool limit_set, int64_t limit, int64_t swap, int64_t *out, skiff_error **err)
{
  if (swap < 0)
    {
      *out = -1;
      return 0;
    }
  if (!limit_set || limit < 0)
    return skiff_error_set (err, EINVAL, "memory.swap %" PRId64 " needs a finite memory.limit on cgroup v2",
                            swap);
  if (swap < limit)
    return skiff_error_set (err, EINVAL, "memory.swap %" PRId64 " is less than memory.limit %" PRId64
                            " (swap is memory+swap)", swap, limit);
  *out = swap - limit;
  return 0;
}

void
skiff_cg_pids_max (int64_t limit, char *buf, size_t len)
{
  if (limit <= 0)
    snprintf (buf, len, "max");
  else
    snprintf (buf, len, "%" PRId64, limit);
}

void
skiff_cg_memory_value (int64_t v, bool v2, char *buf, size_t len)
{
  if (v < 0)
    snprintf (buf, len, "%s", v2 ? "max" : "-1");
  else
    snprintf (buf, len, "%" PRId64, v);
}

void
skiff_cg_cpu_max (const oci_cpu *cpu, char *buf, size_t len)
{
  uint64_t period = cpu->period.set && cpu->period.value > 0 ? cpu->period.value : 100000;
  if (cpu->quota.set && cpu->quota.value > 0)
    snprintf (buf, len, "%" PRId64 " %" PRIu64, cpu->quota.value, period);
  else
    snprintf (buf, len, "max %" PRIu64, period);
}

static int
format_dev_num (const oci_int *n, char *buf, size_t len)
{
  if (!n->set || n->value < 0)
    return snprintf (buf, len, "*");
  return snprintf (buf, len, "%" PRId64, n->value);
}

int
skiff_cg_device_rule (const oci_device_cgroup *d, char *buf, size_t len, skiff_error **err)
{
  const char *type = d->type && *d->type ? d->type : "a";
  const char *access = d->access && *d->access ? d->access : "rwm";
  if (strlen (type) != 1 || strchr ("abc", type[0]) == NULL)
    return skiff_error_set (err, EINVAL, "device cgroup rule: invalid type `%s`", type);
  if (strspn (access, "rwm") != strlen (access))
    return skiff_error_set (err, EINVAL, "device cgroup rule: invalid access `%s`", access);
  char major[24], minor[24];
  format_dev_num (&d->major, major, sizeof major);
  format_dev_num (&d->minor, minor, sizeof minor);
  snprintf (buf, len, "%s %s:%s %s", type, major, minor, access);
  return 0;
}

bool
skiff_cg_path_is_safe (const char *path)
{
  for (const char *p = path; *p;)
    {
      size_t n = strcspn (p, "/");
      if (n == 2 && p[0] == '.' && p[1] == '.')
        return false;
      p += n;
      while (*p == '/')
        p++;
    }
  return true;
}

bool
skiff_cg_unified_key_ok (const char *key)
{
  if (key == NULL || strchr (key, '/') != NULL || strcmp (key, ".") == 0 || strcmp (key, "..") == 0)
    return false;
  const char *dot = strchr (key, '.');
  return dot != NULL && dot != key && dot[1] != '\0';
}

void
skiff_cg_unified_controller (const char *key, char *buf, size_t len)
{
  size_t n = strcspn (key, ".");
  snprintf (buf, len, "%.*s", (int) n, key);
}
