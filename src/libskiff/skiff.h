/* Public API of libskiff: the container lifecycle. The CLI (src/cli) is a thin
 * layer over these calls; nothing here prints or exits. */
#ifndef SKIFF_H
#define SKIFF_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

/* Global options, from the command line. */
typedef struct skiff_context {
  const char *state_root; /* --root, default /run/skiff ($XDG_RUNTIME_DIR/skiff rootless) */
  bool systemd_cgroup;    /* --systemd-cgroup */
  /* --rootless (default: not root, or root of a user namespace): a cgroup
   * the caller may not create is skipped unless a limit needs it. */
  bool rootless_cgroups;
  bool debug;             /* --debug */
  /* Non-fatal problems (a failed poststart/poststop hook); may be NULL. */
  void (*warn) (const char *msg);
} skiff_context;

typedef struct skiff_create_opts {
  const char *id;
  const char *bundle;         /* as given; made absolute by create (default: cwd) */
  const char *config_path;    /* default <bundle>/config.json */
  const char *console_socket; /* unix socket path that receives the pty master */
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;           /* fds 3..3+N-1 passed to the container */
} skiff_create_opts;

#define SKIFF_DEFAULT_STATE_ROOT "/run/skiff"

/* Create: the container init is left waiting, status "created". */
int skiff_container_create (const skiff_context *ctx, const skiff_create_opts *opts, skiff_error **err);
/* Start a created container: release the init to execve the user process. */
int skiff_container_start (const skiff_context *ctx, const char *id, skiff_error **err);
/* Create + start. With detach false, wait for the container, forward signals
 * and delete it afterwards; *exit_status gets the status to exit with
 * (the code, or 128+N for signal N). With detach true, return once started. */
int skiff_container_run (const skiff_context *ctx, const skiff_create_opts *opts, bool detach,
                         int *exit_status, skiff_error **err);
/* skiff exec: a new process in a running container. With process_path the
 * process comes from that file alone (as runc: the other process flags are
 * ignored); otherwise it is the container's config process with args
 * replaced and the flags below applied. */
typedef struct skiff_exec_opts {
  const char *process_path;     /* -p: a runtime-spec process object */
  char **args;                  /* the command, NULL-terminated (without -p) */
  const char *cwd;              /* --cwd */
  char **env;                   /* -e K=V, NULL-terminated; override config env by key */
  const char *user;             /* -u UID[:GID]; uid alone means gid 0 */
  char **additional_gids;       /* -g, NULL-terminated decimal strings */
  char **caps;                  /* -c: added to bounding/effective/permitted/ambient, never inheritable */
  bool tty;                     /* -t: a pty from the container's devpts */
  const char *console_socket;   /* receives the pty master with -t */
  bool detach;                  /* -d: return once the process has started */
  const char *pid_file;
  bool no_new_privs;
  const char *apparmor;         /* --apparmor: process.apparmorProfile */
  const char *process_label;    /* --process-label: process.selinuxLabel */
  int preserve_fds;             /* fds 3..3+N-1 passed to the process */
  const char *cgroup;           /* --cgroup: sub-cgroup of the container's, plain path form */
  bool ignore_paused;
} skiff_exec_opts;

/* Run a process in container id. Foreground: wait for it, forwarding
 * signals, *exit_status = its code or 128+N. Detached: return once execve
 * succeeded (*exit_status = 0). Errors before execve are returned in *err. */
int skiff_container_exec (const skiff_context *ctx, const char *id, const skiff_exec_opts *opts,
                          int *exit_status, skiff_error **err);

/* Current state (status refreshed from the live process). */
int skiff_container_state (const skiff_context *ctx, const char *id, oci_state **out, skiff_error **err);
int skiff_container_kill (const skiff_context *ctx, const char *id, int signo, bool all, skiff_error **err);
int skiff_container_delete (const skiff_context *ctx, const char *id, bool force, skiff_error **err);
/* All containers under the state root, sorted by id. *n may be 0. */
int skiff_container_list (const skiff_context *ctx, oci_state ***out, size_t *n, skiff_error **err);
void skiff_state_list_free (oci_state **list, size_t n);

/* Container ids: [A-Za-z0-9_+-][A-Za-z0-9_+.-]*, at most 1024 bytes. */
int skiff_validate_id (const char *id, skiff_error **err);

/* Signal by name ("KILL", "SIGKILL", case-insensitive, "RTMIN+3") or number. -1 if invalid. */
int skiff_signal_parse (const char *s);
const char *skiff_signal_name (int signo); /* "SIGTERM"; NULL if unknown */

/* The runtime-spec features document of this build. */
oci_features *skiff_features (void);
/* Feature tags for --version: "+SECCOMP +CAP +SYSTEMD -SELINUX ...". Static string. */
const char *skiff_feature_tags (void);

/* ops.c: operations on a live container through its cgroup. */
/* Freeze / thaw every process of the container; status becomes "paused" /
 * "running". Errors: "container `x` is not running" / "... is not paused". */
int skiff_container_pause (const skiff_context *ctx, const char *id, skiff_error **err);
int skiff_container_resume (const skiff_context *ctx, const char *id, skiff_error **err);
/* The pids in the container's cgroup (host pid namespace); *n may be 0. */
int skiff_container_pids (const skiff_context *ctx, const char *id, pid_t **out, size_t *n,
                          skiff_error **err);
/* Apply the fields set in resources to the container's cgroup and record
 * them in its stored config. */
int skiff_container_update (const skiff_context *ctx, const char *id, const oci_resources *resources,
                            skiff_error **err);
/* One `{"type":"stats","id":ID,"data":{...}}` line (runc's events shape), malloc'd, no newline. */
int skiff_container_stats (const skiff_context *ctx, const char *id, char **json, skiff_error **err);
/* Receives each event line (no newline); returns -1 (errno set) to stop. */
typedef int (*skiff_event_fn) (const char *json, void *data);
/* Stream events until the container stops: a stats line every interval_ms
 * and `{"type":"oom","id":ID}` whenever the memory cgroup records an OOM. */
int skiff_container_events (const skiff_context *ctx, const char *id, unsigned interval_ms,
                            skiff_event_fn fn, void *data, skiff_error **err);

#endif
