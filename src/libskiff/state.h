/* The state store: one directory per container under the state root.
 *
 *   <root>/<id>/state.json   the runtime-spec state (runc's shape), atomic
 *   <root>/<id>/init         "<pid> <starttime>\n<cgroup path>\n[<systemd unit>\n]", atomic;
 *                            the unit line records the systemd driver (no line: cgroupfs)
 *   <root>/<id>/config.json  the container's config as parsed at create
 *   <root>/<id>/exec.fifo    exists while the container is "created"
 *
 * Creating the directory (mkdir) is what claims an id; every command that
 * reads or changes a container holds flock() on the directory fd, so
 * concurrent commands never see or write a half-updated container. */
#ifndef SKIFF_STATE_H
#define SKIFF_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

/* Exists while the container is "created"; the init holds it open for reading. */
#define SKIFF_EXEC_FIFO "exec.fifo"

typedef struct skiff_record {
  char *id;
  int dirfd;              /* the container directory, flock'ed */
  oci_state *state;       /* NULL until loaded/saved */
  pid_t init_pid;
  unsigned long long init_start; /* /proc/<pid>/stat starttime, guards against pid reuse */
  char *cgroup_path;
  char *cgroup_unit;      /* systemd driver: the container's unit; NULL: cgroupfs */
} skiff_record;

/* Open (creating if asked) the state root, mode 0700. */
int skiff_state_root_open (const char *root, bool create, int *out, skiff_error **err);

/* Claim a new id: mkdir + exclusive lock. "container `x` already exists". */
int skiff_record_create (int rootfd, const char *id, skiff_record **out, skiff_error **err);
/* Open an existing container, lock it (exclusive or shared) and load its
 * files. A container whose creation never finished has state == NULL. */
int skiff_record_open (int rootfd, const char *id, bool exclusive, skiff_record **out,
                       skiff_error **err);
/* For delete --force of a container whose files are corrupt: lock it and
 * load what still parses (state may be NULL, init_pid 0). */
int skiff_record_open_damaged (int rootfd, const char *id, skiff_record **out, skiff_error **err);
/* Write the init file (pid, start time, cgroup, unit), atomically. Create
 * writes it first with pid 0, before the cgroup exists, then with the
 * init's pid. */
int skiff_record_save_init (skiff_record *rec, skiff_error **err);
/* Write state.json from rec->state, atomically: from then on the container exists. */
int skiff_record_save_state (skiff_record *rec, skiff_error **err);
/* Store / load the container's config (config.json in the state dir). */
int skiff_record_save_spec (skiff_record *rec, const oci_spec *spec, skiff_error **err);
int skiff_record_load_spec (const skiff_record *rec, oci_spec **out, skiff_error **err);
/* Remove every file and the directory itself (lock held until free). */
int skiff_record_remove (int rootfd, skiff_record *rec, skiff_error **err);
void skiff_record_free (skiff_record *rec);

/* Start time of pid from /proc/<pid>/stat (field 22); 0 if it does not exist.
 * *zombie tells whether it has exited but not been reaped. */
unsigned long long skiff_proc_starttime (pid_t pid, bool *zombie);
/* Whether the recorded init is still alive (same pid and start time, not a zombie). */
bool skiff_record_init_alive (const skiff_record *rec);
/* The live status: created (fifo present), running, paused, stopped. */
const char *skiff_record_status (const skiff_record *rec);

/* RFC 3339 UTC timestamp with nanoseconds, as runc prints `created`. */
char *skiff_now_rfc3339 (void);

#endif
