/* Namespace types: spec names, clone flags, /proc/<pid>/ns names, and the
 * time offsets the runtime writes before clone (id maps: idmap.h). */
#ifndef SKIFF_LINUX_NAMESPACES_H
#define SKIFF_LINUX_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Clone flag for a spec namespace type ("pid", "network", ...), 0 if unknown. */
int skiff_ns_flag (const char *type);
/* Name under /proc/<pid>/ns/ for a clone flag ("pid", "net", ...). */
const char *skiff_ns_proc_name (int flag);

/* What the config asks for: flags of namespaces to create, and an open fd for
 * each namespace to join (fds[i] with flag[i]), user namespace first. */
typedef struct skiff_ns_plan {
  int new_flags;      /* CLONE_NEW* to create */
  int join_flags;     /* CLONE_NEW* joined by path */
  int join_fds[8];
  int join_types[8];  /* the CLONE_NEW* flag of join_fds[i] */
  size_t n_join;
} skiff_ns_plan;

/* Open the namespace paths of the config (in the runtime, before clone) so a
 * path swapped later cannot redirect us. */
int skiff_ns_plan_build (const oci_linux *linux_, skiff_ns_plan *plan, skiff_error **err);
void skiff_ns_plan_close (skiff_ns_plan *plan);
/* The joined namespace fd of type flag, or -1. */
int skiff_ns_plan_fd (const skiff_ns_plan *plan, int flag);

/* setns into every joined namespace whose flag is in `which`, user first. */
int skiff_ns_join (const skiff_ns_plan *plan, int which, skiff_error **err);

/* unshare(CLONE_NEWTIME) for our children and write linux.timeOffsets into
 * /proc/self/timens_offsets: offsets can only be set before a process enters
 * the namespace, so the parent does it before clone. */
int skiff_ns_prepare_time (const oci_linux *linux_, skiff_error **err);

#endif
