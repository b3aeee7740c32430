/* Pure conversions between OCI linux.resources values and cgroupfs file
 * contents. No I/O here, so tests/unit/test-cgroup-convert.c can cover them. */
#ifndef SKIFF_CGROUP_CONVERT_H
#define SKIFF_CGROUP_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci.h"

/* cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000), linear map of the
 * two ranges: weight = 1 + ((shares - 2) * 9999) / 262142. Out-of-range shares
 * are clamped first, so 2 -> 1, 1024 -> 39, 262144 -> 10000. */
uint64_t skiff_cg_shares_to_weight (uint64_t shares);

/* blkio.weight (v1, 10..1000) -> io.weight (v2, 1..10000), linear map:
 * io = 1 + ((w - 10) * 9999) / 990. Clamped, so 10 -> 1, 500 -> 4950, 1000 -> 10000. */
uint64_t skiff_cg_blkio_to_io_weight (uint64_t weight);

/* OCI memory.swap is the memory+swap limit (v1 memsw semantics); v2's
 * memory.swap.max limits swap alone, so swap.max = swap - limit.
 * *out = -1 means "max". Fails when swap is finite without a finite limit or
 * smaller than the limit (the v1 kernel would refuse the same pair). */
int skiff_cg_swap_to_v2 (bool limit_set, int64_t limit, int64_t swap, int64_t *out, skiff_error **err);

/* "max" for limit <= 0 (OCI: 0 and -1 mean unlimited for pids), else the number. */
void skiff_cg_pids_max (int64_t limit, char *buf, size_t len);

/* A memory limit value for v1 ("-1" for unlimited) or v2 ("max"). */
void skiff_cg_memory_value (int64_t v, bool v2, char *buf, size_t len);

/* cpu.max content: "<quota|max> <period>"; quota unset or < 0 means max,
 * period unset means the kernel default 100000 us. */
void skiff_cg_cpu_max (const oci_cpu *cpu, char *buf, size_t len);

/* A v1 devices.allow/deny line, "c 1:3 rwm": type a/b/c (unset = a), '*' for
 * an unset major/minor, access a subset of "rwm" (unset = rwm). */
int skiff_cg_device_rule (const oci_device_cgroup *d, char *buf, size_t len, skiff_error **err);

/* True when no component of path is "..": cgroupsPath must not escape the
 * hierarchy it is joined to. */
bool skiff_cg_path_is_safe (const char *path);

/* A linux.resources.unified key must name one file in the cgroup dir:
 * "<controller>.<name>", no '/', not "." or "..". */
bool skiff_cg_unified_key_ok (const char *key);

/* The controller a unified key belongs to ("memory.high" -> "memory"), in buf. */
void skiff_cg_unified_controller (const char *key, char *buf, size_t len);

#endif
