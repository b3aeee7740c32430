/* CVE-2019-5736: a container process must never be able to open the host's
 * skiff binary for writing through /proc/<pid>/exe of a runtime process
 * that is visible to it (the container init before execve, exec's helper).
 * Those processes are not dumpable, so only a process holding CAP_SYS_PTRACE
 * over the host user namespace can open that link: a container without a
 * user namespace whose bounding set keeps CAP_SYS_PTRACE. For exactly those
 * configs the runtime first re-executes itself from a sealed memfd copy of
 * its binary, so what the container could reach is an anonymous, immutable
 * file. Everything else pays nothing. */
#ifndef SKIFF_LINUX_SEALED_EXEC_H
#define SKIFF_LINUX_SEALED_EXEC_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"

/* Could processes of this container open our /proc/<pid>/exe? */
bool skiff_sealed_exec_needed (const oci_spec *spec);

/* Re-exec from a sealed copy unless already running from one: returns 0 when
 * already sealed, never returns on success, -1 with *err on failure. */
int skiff_sealed_exec (skiff_error **err);

#endif
