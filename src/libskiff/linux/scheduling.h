/* process.scheduler (sched_setattr), process.ioPriority (ioprio_set) and
 * process.execCPUAffinity (sched_setaffinity) for the container init and
 * exec'd processes. */
#ifndef SKIFF_LINUX_SCHEDULING_H
#define SKIFF_LINUX_SCHEDULING_H

#include <sched.h>

#include "error.h"
#include "oci.h"

int skiff_scheduler_apply (const oci_scheduler *sched, skiff_error **err);
int skiff_io_priority_apply (const oci_io_priority *prio, skiff_error **err);
/* Pin the calling process to a cpu list such as "0-3,7" (NULL/empty: no-op). */
int skiff_cpu_affinity_apply (const char *cpus, const char *what, skiff_error **err);
/* Parse a kernel cpu list into set. 0 or -1 (exposed for tests/fuzzing). */
int skiff_cpu_list_parse (const char *cpus, cpu_set_t *set);

#endif
