/* linux.seccomp with libseccomp. */
#ifndef SKIFF_LINUX_SECCOMP_H
#define SKIFF_LINUX_SECCOMP_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

/* A compiled filter: classic BPF plus the seccomp(2) flags to load it with. */
typedef struct skiff_seccomp_prog {
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER when a rule notifies */
} skiff_seccomp_prog;

/* What the profile asks that skiff refuses before anything exists: a
 * notifying rule without listenerPath, listenerMetadata without
 * listenerPath, WAIT_KILLABLE_RECV without a notifying rule, NOTIFY as the
 * default action or for write(2) (the listener's hand-over, see below). */
int skiff_seccomp_check (const oci_seccomp *seccomp, skiff_error **err);

/* Translate linux.seccomp with libseccomp. Unknown syscall names are skipped
 * (as runc). Calls skiff_seccomp_check first. */
int skiff_seccomp_compile (const oci_seccomp *seccomp, skiff_seccomp_prog *out, skiff_error **err);
/* seccomp(SECCOMP_SET_MODE_FILTER): needs no_new_privs or CAP_SYS_ADMIN. An
 * empty program is a no-op. *listener gets the new listener fd when the
 * program has one (SECCOMP_FILTER_FLAG_NEW_LISTENER), else -1. */
int skiff_seccomp_install (const skiff_seccomp_prog *prog, int *listener, skiff_error **err);
void skiff_seccomp_prog_free (skiff_seccomp_prog *prog);

static inline bool
skiff_seccomp_prog_has_listener (const skiff_seccomp_prog *prog)
{
  return prog && prog->len && (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

/* libseccomp's token for an OCI architecture name ("SCMP_ARCH_X86_64"), 0
 * when it does not know it. */
uint32_t skiff_seccomp_arch (const char *oci_name);

/* The prefix program runc puts in front of a filter whose default action
 * denies (seccomp_enosys.c): for each architecture the profile lists, a
 * syscall number above the highest one the profile names returns ENOSYS, so
 * that a libc newer than the profile falls back (clone3 -> clone) instead
 * of taking the default action. *n = 0 when the default action allows
 * (ALLOW, LOG, TRACE) or already is ERRNO(ENOSYS). The returned program
 * ends by falling through to whatever follows it. */
int skiff_seccomp_enosys_prefix (const oci_seccomp *seccomp, struct sock_filter **out, size_t *n,
                                 skiff_error **err);

/* Below the state root. The leading dot keeps it apart from container ids. */
#define SKIFF_SECCOMP_CACHE_DIR ".seccomp-cache"

/* The compiled filter for seccomp, from a cache under cache_dir when an
 * entry for exactly this profile (and libseccomp version) exists, else
 * compiled and stored there (seccomp_cache.c). cache_dir NULL: no cache. */
int skiff_seccomp_prepare (const oci_seccomp *seccomp, const char *cache_dir, skiff_seccomp_prog *out,
                           skiff_error **err);

/* The listener (seccomp_notify.c). The process that loads a filter with a
 * listener is the only holder of its fd, and every syscall of it that the
 * filter notifies blocks until an agent answers: until the fd has reached
 * the agent, such a syscall would wait forever. So the hand-over takes one
 * write(2) on the sync socket (the fd number; write may not be notified,
 * as in runc) and the runtime takes the fd itself with pidfd_getfd(2),
 * sends it to listenerPath, and only then answers GO. Everything after
 * that write may be notified: the agent holds the fd by then. */
int skiff_seccomp_handover (int sync_fd, int listener, skiff_error **err);
/* Runtime side of SKIFF_SYNC_SECCOMP: copy fd number fd_text out of pid and
 * send it with the container process state (pid, listenerMetadata, state)
 * to listenerPath in one SCM_RIGHTS message. The caller answers GO. */
int skiff_seccomp_forward (const oci_seccomp *seccomp, pid_t pid, const char *fd_text,
                           const oci_state *state, skiff_error **err);

#endif
