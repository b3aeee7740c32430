/* The systemd cgroup driver (--systemd-cgroup). The container's cgroup is a
 * transient unit of the host's systemd (a scope, or a slice when the name
 * ends in ".slice"), made with StartTransientUnit over D-Bus so that systemd
 * knows it is taken and never moves or removes it behind the runtime's back.
 * What systemd can express goes into unit properties; everything else is
 * written to the unit's cgroup with the cgroupfs code, as the cgroupfs driver
 * does. libsystemd is loaded with dlopen only when this driver is used.
 *
 * Names and property lists are pure functions (unit-tested); systemd.c
 * talks to the bus. Not part of libskiff's API. */
#ifndef SKIFF_CGROUP_SYSTEMD_H
#define SKIFF_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

/* systemd-names.c */

/* A slice unit name as systemd maps it to a cgroup path: "a-b.slice" ->
 * "/a.slice/a-b.slice", "-.slice" (the root slice) -> "". Refuses names
 * without the ".slice" suffix, with '/', or with an empty dash component
 * ("a--b.slice", "-a.slice"), as systemd itself does. */
int skiff_sd_expand_slice (const char *slice, char **out, skiff_error **err);

/* linux.cgroupsPath "slice:prefix:name" (runc's systemd form) -> the unit
 * and its cgroup path. NULL or "" means "system.slice:skiff:<id>"; an empty
 * slice means system.slice, an empty name the container id. The unit is
 * "prefix-name.scope" ("name.scope" without a prefix); a name ending in
 * ".slice" is itself the unit, a slice that must sit directly below the
 * given one (its name encodes its parents: system-foo.slice in system.slice). */
int skiff_sd_unit_for (const char *cgroups_path, const char *id, char **unit, char **path,
                       skiff_error **err);

/* The slice holding a unit whose cgroup is path: the parent directory's
 * name ("/system.slice/x.scope" -> "system.slice"), "-.slice" at the root. */
char *skiff_sd_parent_slice (const char *path);

/* One unit property, the value typed by its D-Bus signature. */
typedef struct {
  char *name;
  const char *sig; /* "b" "t" "s" "ay" "as" "a(ss)" */
  uint64_t num;    /* b, t */
  char *str;       /* s */
  uint8_t *bytes;  /* ay */
  size_t n_bytes;
  char **strv;     /* as; a(ss) as flat pairs */
} skiff_sd_prop;

typedef struct {
  skiff_sd_prop *v;
  size_t n;
} skiff_sd_props;

void skiff_sd_props_free (skiff_sd_props *p);
const skiff_sd_prop *skiff_sd_props_find (const skiff_sd_props *p, const char *name);

/* systemd-props.c: the properties for linux.resources (NULL: none) that
 * systemd can express, for a host on cgroup v2 (v2 true) or v1/hybrid, where
 * systemd uses the v1 names. Only fields that are set are converted, so the
 * same list serves create and update. Values follow the cgroupfs driver's
 * conversions (cpu.shares -> CPUWeight, swap -> MemorySwapMax); the exact
 * values are written to the cgroup files afterwards anyway. */
int skiff_sd_resource_props (const oci_resources *r, bool v2, skiff_sd_props *out, skiff_error **err);

/* On v1 systemd rewrites the devices controller of its units (an allow-all
 * when it was told nothing), so the device rules (config then defaults)
 * become DevicePolicy and DeviceAllow. proc_devices is the text of
 * /proc/devices, used to name a major ("char-pts" for 136). Rules systemd
 * cannot express (a deny inside an allowed range) are an error. */
int skiff_sd_device_props (const oci_device_cgroup *rules, size_t n, const char *proc_devices,
                           skiff_sd_props *out, skiff_error **err);

/* systemd.c: the bus side. */
/* Whether this host runs systemd (sd_booted(3): /run/systemd/system exists)
 * and libsystemd can be loaded; an error says which is missing. */
int skiff_sd_available (skiff_error **err);

typedef struct {
  const char *unit;        /* skiff-<id>.scope, or a .slice */
  const char *path;        /* its cgroup path */
  const char *description;
  pid_t pid;               /* moved into a scope by systemd */
  const skiff_sd_props *props;
} skiff_sd_start;

/* StartTransientUnit and wait until its job is done (bounded). */
int skiff_sd_start_unit (const skiff_sd_start *s, skiff_error **err);
/* SetUnitProperties (runtime only: nothing is written to /etc). */
int skiff_sd_set_properties (const char *unit, const skiff_sd_props *props, skiff_error **err);
/* StopUnit and wait; a unit that no longer exists is not an error. */
int skiff_sd_stop_unit (const char *unit, skiff_error **err);

/* systemd-driver.c: the driver behind skiff_cgroup_enter/update/destroy
 * when the container has a unit (see cgroup.h). */
int cg_sd_enter (const char *path, const char *unit, pid_t pid, const oci_resources *r, skiff_error **err);
int cg_sd_update (const char *path, const char *unit, const oci_resources *r, skiff_error **err);
int cg_sd_destroy (const char *path, const char *unit, skiff_error **err);

#endif
