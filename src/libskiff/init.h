/* The container init: the process cloned into the new namespaces. It builds
 * the container from inside, tells the runtime it is ready, waits on the exec
 * fifo for `start`, then execve()s the user process. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/seccomp.h"
#include "oci.h"
#include "skiff.h"

typedef struct skiff_init_args {
  const char *id;
  const oci_spec *spec;
  const skiff_create_opts *opts;
  const char *bundle;      /* absolute */
  const char *rootfs;      /* absolute, resolved */
  const skiff_ns_plan *ns; /* what to create / join */
  int unshare_flags;       /* namespaces the init must unshare itself (after GO) */
  int sync_fd;             /* child end of the socketpair */
  int fifo_fd;             /* exec fifo, O_RDWR: the init blocks reading it */
  int console_fd;          /* connected console socket, or -1 */
  int n_extra_fds;         /* fds 3 .. 3+n-1 survive into the container */
  int listen_fds;          /* LISTEN_FDS to announce (0 = none) */
  const skiff_seccomp_prog *seccomp; /* compiled by the runtime; empty: none */
  skiff_cgroup_entry *cgroup;        /* joined first thing (our copy) */
  const skiff_lsm *lsm;              /* labels, libraries loaded by the runtime */
  const int *idmap_fds;    /* per spec->mounts entry: idmapped source or -1; may be NULL */
  /* An unprivileged runtime can only open our uid_map/gid_map while we are
   * dumpable: stay so until GO says the maps are written. */
  bool dumpable_until_go;
} skiff_init_args;

/* Never returns: exits 1 after reporting an error over sync_fd. */
__attribute__ ((noreturn)) void skiff_init_run (const skiff_init_args *args);

#endif
