/* Containers started by an unprivileged user (euid != 0): what their config
 * must have, and how the runtime does without root for cgroups. The rules
 * are runc's (libcontainer/configs/validate, rootless cgroup manager). */
#ifndef SKIFF_ROOTLESS_H
#define SKIFF_ROOTLESS_H

#include <stdbool.h>

#include "error.h"
#include "linux/namespaces.h"
#include "oci.h"

/* Checked before anything exists on the host: a user namespace, uid and gid
 * mappings for a new one, mount uid=/gid= options that are mapped, and no
 * idmapped mounts (they need CAP_SYS_ADMIN in the host user namespace). */
int skiff_rootless_check (const oci_spec *spec, const skiff_ns_plan *ns, skiff_error **err);

/* The cgroup controller a limit in r needs ("memory", "pids", ...), NULL
 * when r sets none. Device rules do not count: only root in the initial user
 * namespace may set them, and a rootless container binds host devices. */
const char *skiff_resources_controller (const oci_resources *r);

#endif
