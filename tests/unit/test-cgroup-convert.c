/* Unit tests for the pure cgroup conversions (src/libskiff/cgroup/convert.c). */
#include <stdio.h>

#include "check.h"
#include <string.h>

#include "cgroup/convert.h"


static void
test_weights (void)
{
  CHECK (skiff_cg_shares_to_weight (2) == 1);
  CHECK (skiff_cg_shares_to_weight (0) == 1);
  CHECK (skiff_cg_shares_to_weight (1024) == 39);
  CHECK (skiff_cg_shares_to_weight (262144) == 10000);
  CHECK (skiff_cg_shares_to_weight (1000000) == 10000);
  CHECK (skiff_cg_blkio_to_io_weight (10) == 1);
  CHECK (skiff_cg_blkio_to_io_weight (1) == 1);
  CHECK (skiff_cg_blkio_to_io_weight (500) == 4950);
  CHECK (skiff_cg_blkio_to_io_weight (1000) == 10000);
  CHECK (skiff_cg_blkio_to_io_weight (5000) == 10000);
}

static void
test_swap (void)
{
  int64_t out = 0;
  skiff_error *err = NULL;
  CHECK (skiff_cg_swap_to_v2 (true, 100, 300, &out, NULL) == 0 && out == 200);
  CHECK (skiff_cg_swap_to_v2 (true, 100, 100, &out, NULL) == 0 && out == 0);
  CHECK (skiff_cg_swap_to_v2 (false, 0, -1, &out, NULL) == 0 && out == -1);
  CHECK (skiff_cg_swap_to_v2 (true, 100, 50, &out, &err) < 0 && err && strstr (err->msg, "less than"));
  skiff_error_clear (&err);
  CHECK (skiff_cg_swap_to_v2 (false, 0, 50, &out, &err) < 0 && err != NULL);
  skiff_error_clear (&err);
  CHECK (skiff_cg_swap_to_v2 (true, -1, 50, &out, NULL) < 0);
}

static void
test_values (void)
{
  char buf[64];
  skiff_cg_pids_max (0, buf, sizeof buf);
  CHECK (strcmp (buf, "max") == 0);
  skiff_cg_pids_max (-1, buf, sizeof buf);
  CHECK (strcmp (buf, "max") == 0);
  skiff_cg_pids_max (20, buf, sizeof buf);
  CHECK (strcmp (buf, "20") == 0);
  skiff_cg_memory_value (-1, false, buf, sizeof buf);
  CHECK (strcmp (buf, "-1") == 0);
  skiff_cg_memory_value (-1, true, buf, sizeof buf);
  CHECK (strcmp (buf, "max") == 0);
  skiff_cg_memory_value (4096, true, buf, sizeof buf);
  CHECK (strcmp (buf, "4096") == 0);

  oci_cpu cpu = { 0 };
  skiff_cg_cpu_max (&cpu, buf, sizeof buf);
  CHECK (strcmp (buf, "max 100000") == 0);
  cpu.quota = (oci_int) { 50000, true };
  skiff_cg_cpu_max (&cpu, buf, sizeof buf);
  CHECK (strcmp (buf, "50000 100000") == 0);
  cpu.period = (oci_uint) { 200000, true };
  skiff_cg_cpu_max (&cpu, buf, sizeof buf);
  CHECK (strcmp (buf, "50000 200000") == 0);
  cpu.quota = (oci_int) { -1, true };
  skiff_cg_cpu_max (&cpu, buf, sizeof buf);
  CHECK (strcmp (buf, "max 200000") == 0);
}

static void
test_device_rules (void)
{
  char buf[96];
  skiff_error *err = NULL;
  oci_device_cgroup d = { 0 };
  CHECK (skiff_cg_device_rule (&d, buf, sizeof buf, NULL) == 0 && strcmp (buf, "a *:* rwm") == 0);
  d.type = "c";
  d.major = (oci_int) { 1, true };
  d.minor = (oci_int) { 3, true };
  d.access = "rw";
  CHECK (skiff_cg_device_rule (&d, buf, sizeof buf, NULL) == 0 && strcmp (buf, "c 1:3 rw") == 0);
  d.minor = (oci_int) { -1, true };
  CHECK (skiff_cg_device_rule (&d, buf, sizeof buf, NULL) == 0 && strcmp (buf, "c 1:* rw") == 0);
  d.type = "x";
  CHECK (skiff_cg_device_rule (&d, buf, sizeof buf, &err) < 0 && err && strstr (err->msg, "type"));
  skiff_error_clear (&err);
  d.type = "b";
  d.access = "rwx";
  CHECK (skiff_cg_device_rule (&d, buf, sizeof buf, &err) < 0 && err && strstr (err->msg, "access"));
  skiff_error_clear (&err);
}

static void
test_paths_and_keys (void)
{
  CHECK (skiff_cg_path_is_safe ("/skiff/abc"));
  CHECK (skiff_cg_path_is_safe ("/a/..b/c.."));
  CHECK (!skiff_cg_path_is_safe ("/a/../b"));
  CHECK (!skiff_cg_path_is_safe (".."));
  CHECK (!skiff_cg_path_is_safe ("/a//.."));
  CHECK (skiff_cg_unified_key_ok ("memory.high"));
  CHECK (skiff_cg_unified_key_ok ("hugetlb.2MB.max"));
  CHECK (!skiff_cg_unified_key_ok ("../memory.high"));
  CHECK (!skiff_cg_unified_key_ok ("a/b.c"));
  CHECK (!skiff_cg_unified_key_ok (".."));
  CHECK (!skiff_cg_unified_key_ok ("memory"));
  CHECK (!skiff_cg_unified_key_ok (".high"));
  CHECK (!skiff_cg_unified_key_ok (NULL));
  char c[32];
  skiff_cg_unified_controller ("memory.high", c, sizeof c);
  CHECK (strcmp (c, "memory") == 0);
}

int
main (void)
{
  test_weights ();
  test_swap ();
  test_values ();
  test_device_rules ();
  test_paths_and_keys ();
  return TEST_EXIT ();
}
