/* Per-process setup of the container init, called by init.c after the
 * rootfs is in place. Order (SECURITY.md): sysctl, rlimits (before dropping
 * privileges), then skiff_process_set_credentials (bounding set, keepcaps,
 * groups, gid, uid, capset, ambient), cwd, then seccomp/no_new_privs, then
 * close fds and execve. */
#ifndef SKIFF_LINUX_PROCESS_H
#define SKIFF_LINUX_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"

/* Write linux.sysctl keys under /proc/sys (after pivot, inside the ns). */
int skiff_sysctl_apply (const oci_map *sysctl, skiff_error **err);
/* setrlimit for each process.rlimits entry. */
int skiff_rlimits_apply (const oci_process *process, skiff_error **err);
/* Write process.oomScoreAdj to /proc/self/oom_score_adj if set. */
int skiff_oom_score_adj_apply (const oci_process *process, skiff_error **err);
/* process.user.umask, if set (default 0022 as runc). */
void skiff_umask_apply (const oci_process *process);
/* linux.personality, if set. */
int skiff_personality_apply (const oci_personality *personality, skiff_error **err);

/* The whole credential sequence (caps per process.capabilities; a NULL
 * capabilities object means an empty set everywhere): drop bounding set,
 * PR_SET_KEEPCAPS, setgroups(additionalGids), setresgid, setresuid,
 * capset(effective, permitted, inheritable), raise ambient, clear keepcaps. */
int skiff_credentials_apply (const oci_process *process, skiff_error **err);

/* chdir(process.cwd) and check getcwd() lands inside the container root
 * (CVE-2024-21626: a leaked fd as cwd). */
int skiff_cwd_apply (const oci_process *process, skiff_error **err);

/* Find the executable for args[0] with PATH from process.env (default
 * PATH if unset) the way execvp would, without following anything through
 * /proc/self/fd. Returns a malloc'd path in *out. */
int skiff_exec_path_find (const oci_process *process, char **out, skiff_error **err);

/* prctl(PR_SET_NO_NEW_PRIVS) if process.noNewPrivileges. */
int skiff_no_new_privs_apply (const oci_process *process, skiff_error **err);

/* Join a new session keyring "_ses.<id>" so containers do not share the
 * runtime's keyring. Kernels without keyrings (ENOSYS) are tolerated. */
int skiff_session_keyring_join (const char *id, skiff_error **err);

/* Write data to a procfs file (O_NOFOLLOW, refused unless the fd is on
 * procfs): used for sysctls and oom_score_adj inside the container. */
int skiff_procfs_write (const char *path, const char *data, skiff_error **err);

#endif
