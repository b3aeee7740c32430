/* Moving an extra process (skiff exec) into an existing container cgroup. */
#ifndef SKIFF_CGROUP_JOIN_H
#define SKIFF_CGROUP_JOIN_H

#include <sys/types.h>

#include "error.h"

/* Write pid into cgroup.procs of path in every hierarchy (each v1 hierarchy
 * and the unified one). The cgroup must already exist everywhere: exec joins
 * what create made and never creates anything. path must be absolute and
 * must not contain "..". */
int skiff_cgroup_join (const char *path, pid_t pid, skiff_error **err);

/* `exec --cgroup [controllers:]sub`: like skiff_cgroup_join, but into the
 * existing sub-cgroup path/sub. With controllers ("cpu,memory"), only the v1
 * hierarchies holding one of them use path/sub, the others path; cgroup v2
 * has one tree, so controllers are refused there. */
int skiff_cgroup_join_sub (const char *path, const char *controllers, const char *sub, pid_t pid,
                           skiff_error **err);

#endif
