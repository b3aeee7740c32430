/* One cgroup interface over the cgroupfs v1, v2 (unified) and hybrid
 * layouts. The runtime creates the cgroup before releasing the container
 * init, places the init in it, applies linux.resources, and removes it on
 * delete. Resource fields this driver cannot apply on the host's layout fail
 * with a clear error instead of being ignored. */
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

/* The cgroup path for a container, relative to each hierarchy's root:
 * linux.cgroupsPath if set (absolute as is; relative is taken under the
 * hierarchy root, unlike runc which uses its own cgroup), else "/skiff/<id>".
 * Paths containing ".." are refused. The systemd driver is not implemented:
 * systemd_cgroup returns an error (never a silent fallback). */
int skiff_cgroup_path_for (const oci_linux *linux_, const char *id, bool systemd_cgroup,
                           char **out, skiff_error **err);

/* Create the cgroup (every v1 hierarchy incl. named ones, and/or the v2
 * dir) and apply resources (NULL: none, but v1 still gets the default device
 * policy). On error nothing created is left behind. path must be absolute
 * and not "/". */
int skiff_cgroup_create (const char *path, const oci_resources *resources, skiff_error **err);
/* skiff_cgroup_create, then move pid in (cgroup.procs). */
int skiff_cgroup_enter (const char *path, pid_t pid, const oci_resources *resources,
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
 * are written; memory.checkBeforeUpdate is honoured. */
int skiff_cgroup_update (const char *path, const oci_resources *resources, skiff_error **err);

/* Pids in the cgroup (recursively), from cgroup.procs. */
int skiff_cgroup_pids (const char *path, pid_t **out, size_t *n, skiff_error **err);
/* Send signo to every process in the cgroup (kill --all, delete --force). */
int skiff_cgroup_kill_all (const char *path, int signo, skiff_error **err);
/* Remove the cgroup directories in all hierarchies (retrying while the last
 * processes exit). A missing cgroup is not an error. */
int skiff_cgroup_destroy (const char *path, skiff_error **err);
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
