/* One cgroup interface over the cgroupfs v1, v2 (unified) and hybrid
 * layouts, with two drivers: cgroupfs (the runtime makes and removes the
 * directories) and systemd (--systemd-cgroup: the cgroup is a transient unit
 * of the host's systemd, see systemd.h). The runtime creates the cgroup
 * before releasing the container init, places the init in it, applies
 * linux.resources, and removes it on delete. A container's cgroup is named
 * by its path (relative to each hierarchy root) and, with the systemd
 * driver, its unit; every operation on processes (pids, kill, freeze,
 * stats) works on the path alone. Resource fields a driver cannot apply on
 * the host's layout fail with a clear error instead of being ignored. */
#ifndef SKIFF_CGROUP_H
#define SKIFF_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>

#include "error.h"
#include "oci.h"

typedef enum {
  SKIFF_CGROUP_V1,      /* only v1 controllers */
  SKIFF_CGROUP_HYBRID,  /* v1 controllers + a cgroup2 mount at /sys/fs/cgroup/unified */
  SKIFF_CGROUP_V2,      /* unified hierarchy at /sys/fs/cgroup */
} skiff_cgroup_layout;

/* Detect the host's layout (statfs on /sys/fs/cgroup and .../unified). */
int skiff_cgroup_detect_layout (skiff_cgroup_layout *out, skiff_error **err);

/* The cgroup of a container. cgroupfs (systemd_cgroup false):
 * linux.cgroupsPath if set (absolute as is; relative is taken under the
 * hierarchy root, unlike runc which uses its own cgroup), else "/skiff/<id>",
 * and *unit NULL. systemd: cgroupsPath is "slice:prefix:name" (default
 * "system.slice:skiff:<id>"), *unit the scope (or slice) and *path where
 * systemd puts it, e.g. "/system.slice/skiff-<id>.scope". Fails without a
 * running systemd or libsystemd, never falling back to cgroupfs. Paths
 * containing ".." are refused. */
int skiff_cgroup_path_for (const oci_linux *linux_, const char *id, bool systemd_cgroup,
                           char **path, char **unit, skiff_error **err);

/* Create the cgroupfs cgroup (every v1 hierarchy incl. named ones, and/or
 * the v2 dir) and apply resources (NULL: none, but v1 still gets the default
 * device policy). On error nothing created is left behind. path must be
 * absolute and not "/". The systemd driver needs the pid: see enter. */
int skiff_cgroup_create (const char *path, const oci_resources *resources, skiff_error **err);
/* Create the cgroup (cgroupfs: every v1 hierarchy incl. named ones, and/or
 * the v2 dir; systemd: the unit, with the resources systemd expresses as
 * properties), apply resources (NULL: none, but the default device policy
 * still applies), then move pid in. On error nothing created is left behind
 * (pid is moved back to the root cgroups). path must be absolute and not "/". */
int skiff_cgroup_enter (const char *path, const char *unit, pid_t pid, const oci_resources *resources,
                        skiff_error **err);

/* The way into a created cgroup for a process that does not exist yet
 * (entry.c). Moving another process in through cgroup.procs takes the
 * kernel's global threadgroup lock for writing, which first waits for an RCU
 * grace period: 5-15 ms measured on this host, the largest single cost of
 * `run`. Instead the new process is cloned into the cgroup2 directory
 * (clone3 CLONE_INTO_CGROUP) and joins each v1 hierarchy itself by writing
 * "0" to `tasks`, which moves only the calling thread and skips that lock.
 * The fds are opened by the runtime, so the joining process needs no
 * permission of its own (it may already be in a user namespace). */
typedef struct skiff_cgroup_entry {
  char *path;       /* the cgroup, for messages */
  int clone_fd;     /* cgroup2 directory for CLONE_INTO_CGROUP, or -1 */
  char *v2_dir;     /* its path, for the parent-side fallback */
  int *tasks_fds;   /* each v1 hierarchy's `tasks` file */
  size_t n_tasks;
} skiff_cgroup_entry;
#define SKIFF_CGROUP_ENTRY_INIT { .clone_fd = -1 }

int skiff_cgroup_entry_open (const char *path, skiff_cgroup_entry *e, skiff_error **err);
/* fork()-like clone with namespace flags (clone3 when the kernel has it),
 * into the cgroup2 directory when there is one; *cloned_into tells whether
 * that worked. Returns 0 in the child, like fork. */
pid_t skiff_cgroup_entry_clone (const skiff_cgroup_entry *e, int flags, bool *cloned_into);
/* In the new process, single-threaded, first thing: join every v1
 * hierarchy, then close the entry's fds. */
int skiff_cgroup_entry_join_self (skiff_cgroup_entry *e, skiff_error **err);
/* In the runtime after the clone: when clone3 could not take
 * CLONE_INTO_CGROUP (cloned_into false), move pid into the cgroup2 directory. */
int skiff_cgroup_entry_finish (const skiff_cgroup_entry *e, pid_t pid, bool cloned_into,
                               skiff_error **err);
void skiff_cgroup_entry_close (skiff_cgroup_entry *e);
/* Apply resources to an existing cgroup (`skiff update`). Only the fields set
 * are written (and set as unit properties with the systemd driver);
 * memory.checkBeforeUpdate is honoured. Device rules: v1 appends them, v2
 * replaces the device program by the policy of merged (the container's
 * resources with this update applied, its rules in order). */
int skiff_cgroup_update (const char *path, const char *unit, const oci_resources *resources,
                         const oci_resources *merged, skiff_error **err);

/* Pids in the cgroup (recursively), from cgroup.procs; none when the
 * cgroup is gone (systemd removes an empty scope by itself). */
int skiff_cgroup_pids (const char *path, pid_t **out, size_t *n, skiff_error **err);
/* Send signo to every process in the cgroup (kill --all, delete --force). */
int skiff_cgroup_kill_all (const char *path, int signo, skiff_error **err);
/* Remove the cgroup: stop the unit (systemd driver), then the directories
 * left in all hierarchies (retrying while the last processes exit). A
 * missing cgroup or unit is not an error. */
int skiff_cgroup_destroy (const char *path, const char *unit, skiff_error **err);
/* Freeze (pause) or thaw (resume) every process in the cgroup and wait until
 * the kernel reports the new state (v1 freezer.state, v2 cgroup.events). */
int skiff_cgroup_freeze (const char *path, bool frozen, skiff_error **err);

/* stats.c: reading the cgroup of a container. */
/* Write the cgroup's statistics into g as one JSON object, the `data` of
 * runc's `events --stats` (cpu, cpuset, memory, pids, blkio, hugetlb, ...).
 * Files a kernel does not offer read as zero; a missing cgroup is an error. */
int skiff_cgroup_stats (const char *path, yajl_gen g, skiff_error **err);
/* Whether the cgroup is paused (v1 freezer.state not THAWED, v2 cgroup.freeze 1). */
bool skiff_cgroup_is_frozen (const char *path);
/* A counter that grows with every OOM event: oom_kill plus under_oom
 * (v1 memory.oom_control) or oom_kill (v2 memory.events). */
int skiff_cgroup_oom_count (const char *path, uint64_t *out, skiff_error **err);

#endif
