/* linux.seccomp with libseccomp. */
#ifndef SKIFF_LINUX_SECCOMP_H
#define SKIFF_LINUX_SECCOMP_H

#include "error.h"
#include "oci.h"

/* Build and load the filter. Unknown syscall names are skipped (as runc).
 * Features not implemented (listenerPath) fail with a clear error. */
int skiff_seccomp_load (const oci_seccomp *seccomp, skiff_error **err);

#endif
