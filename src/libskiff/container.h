/* Internal pieces shared by container.c (create/start/...) and run.c. */
#ifndef SKIFF_CONTAINER_H
#define SKIFF_CONTAINER_H

#include <sys/types.h>

#include "skiff.h"
#include "state.h"

/* --root, or the default state root. */
const char *skiff_state_root (const skiff_context *ctx);

/* Validate id, open the state root and the container, lock it (exclusive or
 * shared) and load it; "no state root" is "does not exist". The caller
 * closes *rootfd and frees *rec. */
int skiff_container_open (const skiff_context *ctx, const char *id, bool exclusive, int *rootfd,
                          skiff_record **rec, skiff_error **err);

/* Create a container; *init_pid gets the pid of the container init, which is
 * our child (run waits for it). */
int skiff_create_internal (const skiff_context *ctx, const skiff_create_opts *opts, pid_t *init_pid,
                           skiff_error **err);
/* pidns.c: the processes of a container that has no cgroup, by its init's
 * pid namespace (an error when it shares ours). None when it stopped. */
int skiff_record_pidns_pids (const skiff_record *rec, pid_t **out, size_t *n, skiff_error **err);
/* Stop whatever is left of the container and remove its cgroup and state. */
int skiff_destroy_record (int rootfd, skiff_record *rec, skiff_error **err);

#endif
