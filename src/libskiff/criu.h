/* Checkpoint and restore through the criu binary (criu(8) command line, not
 * its RPC): `skiff checkpoint` runs `criu dump`/`criu pre-dump` on the
 * container's process tree, `skiff restore` runs `criu restore` and records
 * the restored tree as a running container. */
#ifndef SKIFF_CRIU_H
#define SKIFF_CRIU_H

#include <stdbool.h>
#include <sys/types.h>

#include "skiff.h"

/* runc's checkpoint/restore flags. Paths may be relative (to the cwd). */
typedef struct skiff_criu_opts
{
  const char *criu_path;           /* NULL: "criu" searched in PATH */
  const char *image_path;          /* --image-path (required) */
  const char *work_path;           /* --work-path; NULL: the image path */
  const char *parent_path;         /* --parent-path: criu's --prev-images-dir (relative to images) */
  const char *page_server;         /* --page-server ADDR:PORT */
  const char *manage_cgroups_mode; /* soft|full|strict|ignore; NULL: criu's default */
  const char *empty_ns;            /* --empty-ns: only "network" */
  const char *lsm_profile;         /* restore: TYPE:NAME */
  const char *lsm_mount_context;   /* restore */
  int status_fd;                   /* --status-fd; -1: none */
  bool leave_running;
  bool tcp_established;
  bool tcp_skip_in_flight;
  bool link_remap;
  bool ext_unix_sk;
  bool shell_job;
  bool lazy_pages;
  bool file_locks;
  bool pre_dump;
  bool auto_dedup;
} skiff_criu_opts;

#define SKIFF_CRIU_OPTS_INIT                                                                                 \
  {                                                                                                          \
    .status_fd = -1                                                                                          \
  }

/* What the command line is built for, taken from the container. */
typedef struct skiff_criu_target
{
  pid_t pid;                 /* dump: the container init */
  const char *root;          /* --root: rootfs (dump), its bind mount (restore) */
  const char *bundle;        /* restore: base of relative bind-mount sources */
  const char *cgroup_path;   /* --cgroup-root; NULL: none */
  const oci_spec *spec;      /* bind mounts become external mounts */
  char *const *masked_files; /* masked paths that are files (bind mounts of /dev/null) */
  const char *pidfile;       /* restore: criu writes the root task's pid here */
  const char *stdio[3];      /* restore: what fds 0-2 of the init were ("pipe:[N]"), or NULL */
} skiff_criu_target;

/* criu-argv.c: the argv of `criu dump` (or `pre-dump`) / `criu restore`,
 * NULL-terminated, argv[0] = "criu". Pure: validates the options, touches nothing. */
int skiff_criu_dump_argv (const skiff_criu_opts *o, const skiff_criu_target *t, char ***argv_out,
                          skiff_error **err);
int skiff_criu_restore_argv (const skiff_criu_opts *o, const skiff_criu_target *t, char ***argv_out,
                             skiff_error **err);

/* Refuse bad option values (mode, --empty-ns, empty image path) before
 * anything is touched. */
int skiff_criu_check_opts (const skiff_criu_opts *o, skiff_error **err);

/* criu's own reason from a log (or stderr) text: its last `max` "Error"
 * lines, without the timestamp, joined by "; ". NULL if there is none. */
char *skiff_criu_log_errors (const char *text, size_t max);
/* The first "Error" line: the cause, the later ones being consequences. */
char *skiff_criu_first_error (const char *text);

/* Whether checkpointing can work here: criu is found and `criu check` passes. */
bool skiff_criu_usable (void);

/* skiff checkpoint: refuses unless running; without leave_running (and
 * pre_dump) the container is destroyed after a successful dump, as runc. */
int skiff_container_checkpoint (const skiff_context *ctx, const char *id, const skiff_criu_opts *o,
                                skiff_error **err);

typedef struct skiff_restore_opts
{
  const char *id;
  const char *bundle;         /* -b; default cwd */
  const char *console_socket; /* refused for now: terminals are not restored */
  const char *pid_file;
  bool detach;       /* -d: return once restored */
  bool no_subreaper; /* accepted, as runc */
  bool no_pivot;     /* accepted: criu sets up the root itself */
} skiff_restore_opts;

/* skiff restore: a container "created from an image", left running. In the
 * foreground, wait for it (forwarding signals) and delete it afterwards;
 * *exit_status as `run`. On failure no state, cgroup or mount is left. */
int skiff_container_restore (const skiff_context *ctx, const skiff_restore_opts *r, const skiff_criu_opts *o,
                             int *exit_status, skiff_error **err);

#endif
