/* User namespace id mappings: writing a container's uid_map/gid_map (directly
 * when the kernel lets the caller, through the setuid newuidmap/newgidmap
 * helpers when an unprivileged caller maps more than its own ids), and
 * detached user namespaces that only carry a mapping (for idmapped mounts). */
#ifndef SKIFF_LINUX_IDMAP_H
#define SKIFF_LINUX_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

/* True when we run inside a user namespace other than the initial one
 * (our uid_map is not the identity of the whole range). */
bool skiff_in_user_namespace (void);

/* Write linux.uidMappings/gidMappings for the user namespace of pid. As root
 * both files are written directly. Unprivileged, a single mapping of our own
 * uid (gid) of size 1 is written directly, gid_map after "deny" to
 * /proc/<pid>/setgroups as the kernel requires (user_namespaces(7)); any other
 * mapping goes through newuidmap(1)/newgidmap(1), which check /etc/subuid and
 * /etc/subgid. pid must still be dumpable for an unprivileged caller to open
 * its map files. */
int skiff_idmap_write (pid_t pid, const oci_linux *linux_, skiff_error **err);

/* A user namespace that holds exactly these mappings and nothing else: a
 * short-lived child is cloned into it, its maps are written by us (root), and
 * *fd gets /proc/<child>/ns/user before the child is reaped. */
int skiff_userns_from_maps (const oci_id_mapping *uids, size_t n_uids, const oci_id_mapping *gids,
                            size_t n_gids, int *fd, skiff_error **err);

#endif
