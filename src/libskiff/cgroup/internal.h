/* Shared between the cgroup driver files; not part of libskiff's API. */
#ifndef SKIFF_CGROUP_INTERNAL_H
#define SKIFF_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup/cgroup.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_HYBRID_UNIFIED "/sys/fs/cgroup/unified"

/* One mounted v1 hierarchy (several controllers may share it). */
typedef struct {
  char *mount;        /* mount point, e.g. /sys/fs/cgroup/cpu */
  char **controllers; /* NULL-terminated: "cpu", "cpuacct", "name=systemd" */
} cg_hier;

/* What this host offers. */
typedef struct {
  skiff_cgroup_layout layout;
  cg_hier *v1;     /* v1 hierarchies, one per superblock (V1 and HYBRID) */
  size_t n_v1;
  char *unified;   /* cgroup2 mount (V2: /sys/fs/cgroup, HYBRID: .../unified), else NULL */
} cg_host;

/* Directories created while entering, removed in reverse on failure. */
typedef struct {
  char **dirs;
  size_t n;
} cg_created;

int cg_host_load (cg_host *h, skiff_error **err);
void cg_host_free (cg_host *h);
#define cleanup_cg_host __attribute__ ((cleanup (cg_host_free)))
/* The hierarchy holding controller ("memory", "name=systemd"), or NULL. */
const cg_hier *cg_host_find (const cg_host *h, const char *controller);
/* A container cgroup path: absolute, not "/", no "..". */
int cg_check_path (const char *path, skiff_error **err);
/* mount + path, the directory of cgroup path in that hierarchy. */
char *cg_join (const char *mount, const char *path);

/* Small file helpers: errors name the full path (and the value written). */
int cg_write (const char *dir, const char *file, const char *value, skiff_error **err);
int cg_writef (const char *dir, const char *file, skiff_error **err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
int cg_read (const char *dir, const char *file, char **out, skiff_error **err);
bool cg_has (const char *dir, const char *file);
/* True when the whitespace-separated list in file contains word. */
bool cg_file_has_word (const char *dir, const char *file, const char *word);

/* mkdir every missing component of dir below mount, recording what was made. */
int cg_mkdir_p (const char *mount, const char *path, cg_created *c, skiff_error **err);
void cg_created_undo (cg_created *c);
void cg_created_free (cg_created *c);
/* rmdir dir and its sub-cgroups depth-first, retrying on EBUSY while the
 * last processes exit. A missing dir is not an error. */
int cg_rmdir_tree (const char *dir, skiff_error **err);
/* Append the pids of dir/cgroup.procs (and of every sub-cgroup). */
int cg_read_pids_tree (const char *dir, pid_t **pids, size_t *n, skiff_error **err);
int cg_write_pid (const char *dir, pid_t pid, skiff_error **err);

/* v1.c */
/* Create the directories (and the unified one on hybrid) and apply r. */
int cg_v1_create (const cg_host *h, const char *path, const oci_resources *r, cg_created *c,
                  skiff_error **err);
/* Move pid into path in every hierarchy (v1, v2 or both); on failure pid is
 * put back at each hierarchy's root. */
int cg_move_pid (const cg_host *h, const char *path, pid_t pid, skiff_error **err);
/* Put pid back at the root of every hierarchy (best effort), so the
 * directories it sat in can be removed. */
void cg_evict_pid (const cg_host *h, pid_t pid);
int cg_v1_freeze (const cg_host *h, const char *path, bool frozen, skiff_error **err);

/* v2.c: mount is the cgroup2 mount point (full v2 or hybrid unified). */
int cg_v2_prepare (const char *mount, const char *path, cg_created *c, skiff_error **err);
int cg_v2_freeze (const char *dir, bool frozen, skiff_error **err);

/* resources.c (v1) and resources-v2.c */
int cg_v1_apply (const cg_host *h, const char *path, const oci_resources *r, bool update,
                 skiff_error **err);
/* On a hybrid host, the parts of r that go to the unified mount (hugetlb when
 * v1 has no hugetlb hierarchy, linux.resources.unified). */
int cg_hybrid_apply (const cg_host *h, const char *path, const oci_resources *r, skiff_error **err);
int cg_v2_apply (const char *dir, const oci_resources *r, bool update, skiff_error **err);
/* Shared by v1 and v2: hugetlb.<pageSize>.<suffix>, suffix "limit_in_bytes" or "max". */
int cg_hugetlb (const char *dir, const char *suffix, const oci_resources *r, skiff_error **err);
int cg_rdma (const char *dir, const oci_resources *r, skiff_error **err);
int cg_unified_write (const char *dir, const char *key, const char *value, skiff_error **err);
/* devices on v2 (eBPF): devices-v2.c */
/* Attach the device policy (deny by default, r's rules, then the defaults)
 * as a BPF program, replacing the one skiff attached before (`update`: r is
 * then the container's whole rule list) without leaving the cgroup
 * unguarded. A non-root runtime leaves devices alone. */
int cg_v2_devices (const char *dir, const oci_resources *r, skiff_error **err);
/* The device policy every container gets before its own rules (runc/crun's set). */
extern const oci_device_cgroup cg_default_devices[];
extern const size_t cg_n_default_devices;

#endif
