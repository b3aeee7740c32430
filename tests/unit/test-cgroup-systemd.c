/* Unit tests for the systemd cgroup driver's pure parts: unit names, slice
 * paths and the unit properties made from linux.resources
 * (src/libskiff/cgroup/systemd-names.c, systemd-props.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "cgroup/systemd.h"

static char *
expand (const char *slice)
{
  char *out = NULL;
  skiff_error *err = NULL;
  if (skiff_sd_expand_slice (slice, &out, &err) < 0)
    {
      skiff_error_clear (&err);
      return NULL;
    }
  return out;
}

static void
check_expand (const char *slice, const char *want)
{
  char *got = expand (slice);
  CHECK_STR (got, want);
  free (got);
}

static void
test_expand_slice (void)
{
  check_expand ("system.slice", "/system.slice");
  check_expand ("-.slice", "");
  check_expand ("a-b.slice", "/a.slice/a-b.slice");
  check_expand ("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
  check_expand ("machine.slice", "/machine.slice");
  check_expand ("a--b.slice", NULL);
  check_expand ("-a.slice", NULL);
  check_expand ("a-.slice", NULL);
  check_expand (".slice", NULL);
  check_expand ("system", NULL);
  check_expand ("a/b.slice", NULL);
  check_expand ("a b.slice", NULL);
}

static void
check_unit (const char *cp, const char *id, const char *want_unit, const char *want_path)
{
  char *unit = NULL, *path = NULL;
  skiff_error *err = NULL;
  int r = skiff_sd_unit_for (cp, id, &unit, &path, &err);
  if (want_unit == NULL)
    {
      CHECK (r < 0 && err != NULL && strncmp (err->msg, "cgroupsPath", 11) == 0);
      if (err)
        fprintf (stderr, "  (expected) %s\n", err->msg);
    }
  else
    {
      CHECK (r == 0);
      CHECK_STR (unit, want_unit);
      CHECK_STR (path, want_path);
    }
  skiff_error_clear (&err);
  free (unit);
  free (path);
}

static void
test_unit_for (void)
{
  check_unit (NULL, "c1", "skiff-c1.scope", "/system.slice/skiff-c1.scope");
  check_unit ("", "c1", "skiff-c1.scope", "/system.slice/skiff-c1.scope");
  check_unit ("system.slice:skiff:c1", "x", "skiff-c1.scope", "/system.slice/skiff-c1.scope");
  check_unit ("machine.slice:libpod:abc", "x", "libpod-abc.scope", "/machine.slice/libpod-abc.scope");
  check_unit (":skiff:c1", "x", "skiff-c1.scope", "/system.slice/skiff-c1.scope");
  check_unit ("system.slice:skiff:", "id9", "skiff-id9.scope", "/system.slice/skiff-id9.scope");
  check_unit ("a-b.slice::c1", "x", "c1.scope", "/a.slice/a-b.slice/c1.scope");
  check_unit ("-.slice:p:c1", "x", "p-c1.scope", "/p-c1.scope");
  /* a slice as the container's unit: its name says where it lives */
  check_unit ("system.slice:skiff:system-box.slice", "x", "system-box.slice", "/system.slice/system-box.slice");
  check_unit ("-.slice:skiff:box.slice", "x", "box.slice", "/box.slice");
  check_unit ("system.slice:skiff:box.slice", "x", NULL, NULL);
  /* not slice:prefix:name */
  check_unit ("/skiff/c1", "x", NULL, NULL);
  check_unit ("a:b", "x", NULL, NULL);
  check_unit ("a.slice:b:c:d", "x", NULL, NULL);
  check_unit ("system:skiff:c1", "x", NULL, NULL);
  check_unit ("a--b.slice:skiff:c1", "x", NULL, NULL);
  /* names systemd refuses: '+' is valid in a container id, not in a unit */
  check_unit ("system.slice:skiff:a+b", "x", NULL, NULL);
  check_unit ("system.slice:skiff:../x", "x", NULL, NULL);
  char long_id[300];
  memset (long_id, 'a', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  check_unit (NULL, long_id, NULL, NULL);
}

static void
test_parent_slice (void)
{
  char *s = skiff_sd_parent_slice ("/system.slice/skiff-c1.scope");
  CHECK_STR (s, "system.slice");
  free (s);
  s = skiff_sd_parent_slice ("/a.slice/a-b.slice/c1.scope");
  CHECK_STR (s, "a-b.slice");
  free (s);
  s = skiff_sd_parent_slice ("/p-c1.scope");
  CHECK_STR (s, "-.slice");
  free (s);
}

static uint64_t
num (const skiff_sd_props *p, const char *name)
{
  const skiff_sd_prop *q = skiff_sd_props_find (p, name);
  if (q == NULL)
    {
      fprintf (stderr, "property %s missing\n", name);
      test_failures++;
      return 0;
    }
  CHECK (strcmp (q->sig, "t") == 0);
  return q->num;
}

static void
test_resource_props_v2 (void)
{
  oci_memory mem = { .limit = { 64 << 20, true }, .reservation = { 32 << 20, true }, .swap = { 96 << 20, true } };
  oci_cpu cpu = { .shares = { 1024, true }, .quota = { 50000, true }, .period = { 100000, true },
                  .cpus = "0-1,9", .mems = "0" };
  oci_pids pids = { .limit = { 100, true } };
  oci_block_io bio = { .weight = { 500, true } };
  oci_resources r = { .memory = &mem, .cpu = &cpu, .pids = &pids, .block_io = &bio };
  skiff_sd_props p = { 0 };
  CHECK (skiff_sd_resource_props (&r, true, &p, NULL) == 0);
  CHECK (num (&p, "MemoryMax") == 64 << 20);
  CHECK (num (&p, "MemoryLow") == 32 << 20);
  CHECK (num (&p, "MemorySwapMax") == 32 << 20);
  CHECK (num (&p, "CPUWeight") == 39);
  CHECK (num (&p, "CPUQuotaPerSecUSec") == 500000);
  CHECK (num (&p, "CPUQuotaPeriodUSec") == 100000);
  CHECK (num (&p, "TasksMax") == 100);
  CHECK (num (&p, "IOWeight") == 4950);
  const skiff_sd_prop *cpus = skiff_sd_props_find (&p, "AllowedCPUs");
  CHECK (cpus && strcmp (cpus->sig, "ay") == 0 && cpus->n_bytes == 2 && cpus->bytes[0] == 0x03
         && cpus->bytes[1] == 0x02);
  const skiff_sd_prop *mems = skiff_sd_props_find (&p, "AllowedMemoryNodes");
  CHECK (mems && mems->n_bytes == 1 && mems->bytes[0] == 0x01);
  CHECK (skiff_sd_props_find (&p, "MemoryLimit") == NULL);
  skiff_sd_props_free (&p);

  /* unlimited values are systemd's infinity; the quota rounds up to 10 ms/s */
  mem = (oci_memory) { .limit = { -1, true } };
  cpu = (oci_cpu) { .quota = { 12345, true }, .period = { 100000, true } };
  pids.limit.value = 0;
  r = (oci_resources) { .memory = &mem, .cpu = &cpu, .pids = &pids };
  CHECK (skiff_sd_resource_props (&r, true, &p, NULL) == 0);
  CHECK (num (&p, "MemoryMax") == UINT64_MAX);
  CHECK (num (&p, "TasksMax") == UINT64_MAX);
  CHECK (num (&p, "CPUQuotaPerSecUSec") == 130000);
  skiff_sd_props_free (&p);
  cpu = (oci_cpu) { .quota = { -1, true } };
  CHECK (skiff_sd_resource_props (&r, true, &p, NULL) == 0);
  CHECK (num (&p, "CPUQuotaPerSecUSec") == UINT64_MAX);
  CHECK (skiff_sd_props_find (&p, "CPUQuotaPeriodUSec") == NULL);
  skiff_sd_props_free (&p);

  /* only what is set: an update of the period alone keeps the quota */
  cpu = (oci_cpu) { .period = { 50000, true } };
  r = (oci_resources) { .cpu = &cpu };
  CHECK (skiff_sd_resource_props (&r, true, &p, NULL) == 0);
  CHECK (p.n == 1 && num (&p, "CPUQuotaPeriodUSec") == 50000);
  skiff_sd_props_free (&p);
  CHECK (skiff_sd_resource_props (NULL, true, &p, NULL) == 0 && p.n == 0);

  /* errors: swap below the limit, a bad cpu list */
  skiff_error *err = NULL;
  mem = (oci_memory) { .limit = { 100, true }, .swap = { 50, true } };
  r = (oci_resources) { .memory = &mem };
  CHECK (skiff_sd_resource_props (&r, true, &p, &err) < 0 && err);
  skiff_error_clear (&err);
  cpu = (oci_cpu) { .cpus = "1-x" };
  r = (oci_resources) { .cpu = &cpu };
  CHECK (skiff_sd_resource_props (&r, true, &p, &err) < 0 && err && strstr (err->msg, "1-x"));
  skiff_error_clear (&err);
}

static void
test_resource_props_v1 (void)
{
  oci_memory mem = { .limit = { 64 << 20, true }, .reservation = { 32 << 20, true } };
  oci_cpu cpu = { .shares = { 512, true }, .cpus = "0" };
  oci_block_io bio = { .weight = { 500, true } };
  oci_resources r = { .memory = &mem, .cpu = &cpu, .block_io = &bio };
  skiff_sd_props p = { 0 };
  CHECK (skiff_sd_resource_props (&r, false, &p, NULL) == 0);
  CHECK (num (&p, "MemoryLimit") == 64 << 20);
  CHECK (num (&p, "CPUShares") == 512);
  CHECK (num (&p, "BlockIOWeight") == 500);
  CHECK (skiff_sd_props_find (&p, "MemoryLow") == NULL);
  CHECK (skiff_sd_props_find (&p, "AllowedCPUs") == NULL);
  CHECK (skiff_sd_props_find (&p, "MemoryMax") == NULL);
  skiff_sd_props_free (&p);
}

#define RULE(allow_, type_, maj, min, acc)                                                             \
  { .allow = { allow_, true }, .type = (char *) (type_), .major = { maj, (maj) >= 0 },                 \
    .minor = { min, (min) >= 0 }, .access = (char *) (acc) }

static const char proc_devices[] = "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\n"
                                   "Block devices:\n  8 sd\n";

/* The DeviceAllow pairs joined as "name perms;name perms;...". */
static char *
allow_list (const skiff_sd_props *p)
{
  const skiff_sd_prop *q = skiff_sd_props_find (p, "DeviceAllow");
  if (q == NULL)
    return NULL;
  size_t len = 1;
  for (size_t i = 0; q->strv[i]; i++)
    len += strlen (q->strv[i]) + 1;
  char *s = calloc (1, len);
  for (size_t i = 0; q->strv[i]; i += 2)
    {
      strcat (s, q->strv[i]);
      strcat (s, " ");
      strcat (s, q->strv[i + 1]);
      strcat (s, ";");
    }
  return s;
}

static void
test_device_props (void)
{
  /* the usual config: deny all, one extra device */
  oci_device_cgroup rules[] = { RULE (false, NULL, -1, -1, "rwm"), RULE (true, "c", 10, 200, "rw") };
  skiff_sd_props p = { 0 };
  CHECK (skiff_sd_device_props (rules, 2, proc_devices, &p, NULL) == 0);
  const skiff_sd_prop *pol = skiff_sd_props_find (&p, "DevicePolicy");
  CHECK (pol && strcmp (pol->str, "strict") == 0);
  char *l = allow_list (&p);
  CHECK_STR (l, "/dev/char/10:200 rw;char-* m;block-* m;/dev/char/1:3 rwm;/dev/char/1:5 rwm;"
                "/dev/char/1:7 rwm;/dev/char/1:8 rwm;/dev/char/1:9 rwm;/dev/char/5:0 rwm;"
                "/dev/char/5:2 rwm;char-pts rwm;");
  free (l);
  skiff_sd_props_free (&p);

  /* allow all: no list, systemd's auto policy */
  oci_device_cgroup all[] = { RULE (true, "a", -1, -1, NULL) };
  CHECK (skiff_sd_device_props (all, 1, proc_devices, &p, NULL) == 0);
  pol = skiff_sd_props_find (&p, "DevicePolicy");
  CHECK (pol && strcmp (pol->str, "auto") == 0);
  l = allow_list (&p);
  CHECK_STR (l, "");
  free (l);
  skiff_sd_props_free (&p);

  /* a deny taking back part of an exact allow */
  oci_device_cgroup part[] = { RULE (true, "c", 10, 200, "rwm"), RULE (false, "c", 10, 200, "w") };
  CHECK (skiff_sd_device_props (part, 2, proc_devices, &p, NULL) == 0);
  l = allow_list (&p);
  CHECK (l && strncmp (l, "/dev/char/10:200 rm;", 20) == 0);
  free (l);
  skiff_sd_props_free (&p);

  /* what systemd cannot express */
  skiff_error *err = NULL;
  oci_device_cgroup hole[] = { RULE (true, "a", -1, -1, "rwm"), RULE (false, "c", 1, 3, "rwm") };
  CHECK (skiff_sd_device_props (hole, 2, proc_devices, &p, &err) < 0 && err && strstr (err->msg, "c 1:3"));
  skiff_error_clear (&err);
  oci_device_cgroup inside[] = { RULE (true, "c", -1, -1, "rwm"), RULE (false, "c", 1, 5, "rwm") };
  CHECK (skiff_sd_device_props (inside, 2, proc_devices, &p, &err) < 0 && err && strstr (err->msg, "inside"));
  skiff_error_clear (&err);
  oci_device_cgroup unnamed[] = { RULE (true, "c", 250, -1, "rwm") };
  CHECK (skiff_sd_device_props (unnamed, 1, proc_devices, &p, &err) < 0 && err && strstr (err->msg, "250"));
  skiff_error_clear (&err);
}

int
main (void)
{
  test_expand_slice ();
  test_unit_for ();
  test_parent_slice ();
  test_resource_props_v2 ();
  test_resource_props_v1 ();
  test_device_props ();
  return TEST_EXIT ();
}
