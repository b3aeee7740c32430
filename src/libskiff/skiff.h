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
  const char *state_root; /* --root, default /run/skiff */
  bool systemd_cgroup;    /* --systemd-cgroup */
  bool debug;             /* --debug */
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

#endif
