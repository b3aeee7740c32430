/* What the container init and `exec` share about the process they finally
 * execve() (the "payload"): its environment, the privileged setup sequence,
 * the signal handling around it, and how its exit becomes our exit status. */
#ifndef SKIFF_PAYLOAD_H
#define SKIFF_PAYLOAD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "linux/lsm.h"
#include "linux/seccomp.h"
#include "oci.h"

/* Default dispositions and an empty mask: both survive execve, so whatever
 * the runtime blocked or ignored must not leak into the payload. */
void skiff_payload_reset_signals (void);

/* process.env, plus HOME (from the container's /etc/passwd for the user,
 * else "/") when missing, plus LISTEN_FDS/LISTEN_PID when listen_fds > 0.
 * NULL-terminated. Call after pivot_root, before dropping privileges. */
char **skiff_payload_env (const oci_process *p, int listen_fds);

/* NULL-terminated copy of process.args for execve (the model counts them). */
char **skiff_payload_argv (const oci_process *p);

/* The seccomp filter is compiled (or taken from the cache) by the runtime
 * before it forks: the payload side only installs it. A filter with a
 * listener hands it to the runtime over sync_fd right after the load
 * (SKIFF_SYNC_SECCOMP, answered with GO once the agent has it). */

/* The privileged part, in SECURITY.md's order: session keyring (unless
 * keyring_id is NULL; labelled with the process label), rlimits, scheduler,
 * ioPriority, umask, seccomp when !nnp (it needs CAP_SYS_ADMIN then),
 * credentials, cwd, and last the LSM exec labels (they take effect at the
 * payload's execve). lsm may be NULL. */
int skiff_payload_prepare (const oci_process *p, const skiff_seccomp_prog *seccomp, const skiff_lsm *lsm,
                           const char *keyring_id, bool nnp, int sync_fd, skiff_error **err);

/* Last step before execve with no_new_privs: set it, then load seccomp.
 * With a listener it must still be able to reach the runtime over sync_fd. */
int skiff_payload_lockdown (const oci_process *p, const skiff_seccomp_prog *seccomp, bool nnp, int sync_fd,
                            skiff_error **err);

/* The exit status to report for a wait status: the code, or 128+signal. */
int skiff_exit_status (int wait_status);

/* Block every signal we forward and return a signalfd reading them; *old
 * gets the previous mask. Blocked before fork/clone so none is lost. */
int skiff_forward_signals_begin (sigset_t *old, skiff_error **err);
/* Wait for pid (our child), relaying signals read from sfd to it. */
int skiff_forward_signals_wait (int sfd, pid_t pid, int *exit_status, skiff_error **err);

/* Write pid (no newline, as runc) to path atomically. */
int skiff_pid_file_write (const char *path, pid_t pid, skiff_error **err);

/* Only 0-2 and fds 3 .. 3+n_extra-1 reach the payload: those lose
 * close-on-exec, all others are closed, except our own (own[], which stay
 * close-on-exec until execve). */
int skiff_payload_pass_fds (int n_extra, const int *own, size_t n_own, skiff_error **err);

#endif
