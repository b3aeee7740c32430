/* linux.seccomp with libseccomp. */
#ifndef SKIFF_LINUX_SECCOMP_H
#define SKIFF_LINUX_SECCOMP_H

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "error.h"
#include "oci.h"

/* A compiled filter: classic BPF plus the seccomp(2) flags to load it with. */
typedef struct skiff_seccomp_prog {
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
} skiff_seccomp_prog;

/* Translate linux.seccomp with libseccomp. Unknown syscall names are skipped
 * (as runc). Features not implemented (listenerPath) fail clearly. */
int skiff_seccomp_compile (const oci_seccomp *seccomp, skiff_seccomp_prog *out, skiff_error **err);
/* seccomp(SECCOMP_SET_MODE_FILTER): needs no_new_privs or CAP_SYS_ADMIN. An
 * empty program is a no-op. */
int skiff_seccomp_install (const skiff_seccomp_prog *prog, skiff_error **err);
void skiff_seccomp_prog_free (skiff_seccomp_prog *prog);
/* compile + install. */
int skiff_seccomp_load (const oci_seccomp *seccomp, skiff_error **err);

/* Below the state root. The leading dot keeps it apart from container ids. */
#define SKIFF_SECCOMP_CACHE_DIR ".seccomp-cache"

/* The compiled filter for seccomp, from a cache under cache_dir when an
 * entry for exactly this profile (and libseccomp version) exists, else
 * compiled and stored there (seccomp_cache.c). cache_dir NULL: no cache. */
int skiff_seccomp_prepare (const oci_seccomp *seccomp, const char *cache_dir, skiff_seccomp_prog *out,
                           skiff_error **err);

#endif
