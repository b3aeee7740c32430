/* Moving an extra process (`skiff exec --cgroup`) into a sub-cgroup of an
 * existing container cgroup. A plain exec joins the container's cgroup
 * through skiff_cgroup_entry (cgroup.h) instead. */
#ifndef SKIFF_CGROUP_JOIN_H
#define SKIFF_CGROUP_JOIN_H

#include <sys/types.h>

#include "error.h"

/* Write pid into cgroup.procs of the existing sub-cgroup path/sub in every
 * hierarchy (each v1 one and the unified one); exec never creates anything.
 * With controllers ("cpu,memory"), only the v1 hierarchies holding one of
 * them use path/sub, the others path; cgroup v2 has one tree, so controllers
 * are refused there. path must be absolute and must not contain "..". */
int skiff_cgroup_join_sub (const char *path, const char *controllers, const char *sub, pid_t pid,
                           skiff_error **err);

#endif
