/* spec->mounts: parsing mount options and performing each mount inside the
 * rootfs through fds (see safe_path.h). */
#ifndef SKIFF_LINUX_MOUNTS_H
#define SKIFF_LINUX_MOUNTS_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"
#include "rootfs.h"

typedef struct skiff_mount_opts
{
  unsigned long flags;        /* MS_* to set */
  unsigned long propagation;  /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [|MS_REC] */
  unsigned long long rec_set; /* MOUNT_ATTR_* applied with AT_RECURSIVE */
  unsigned long long rec_clr;
  bool bind;      /* "bind" or "rbind" */
  bool recursive; /* "rbind" */
  bool idmap;     /* "idmap"/"ridmap" */
  bool idmap_recursive; /* "ridmap": submounts of an rbind are idmapped too */
  bool tmpcopyup; /* tmpfs starts with a copy of the directory it covers */
  char *data;     /* unknown options joined with ',' (NULL when none) */
} skiff_mount_opts;

/* Parse OCI mount options (mount(8) names plus the runtime-spec's recursive
 * "r*" forms).  Unknown options go to data. */
int skiff_mount_opts_parse (char *const *options, size_t n, skiff_mount_opts *out, skiff_error **err);
void skiff_mount_opts_free (skiff_mount_opts *o);
/* A bind mount: type "bind", or a "bind"/"rbind" option (any type). */
bool skiff_mount_is_bind (const oci_mount *m);

/* Copy the contents of the covered directory (an fd opened before the tmpfs
 * was mounted over it) into the new tmpfs (copyup.c). */
int skiff_tmpfs_copy_up (int covered, int tmpfs_root, const char *dest, skiff_error **err);

/* Parse a propagation name ("rslave", "private", ...) into MS_* flags. */
int skiff_propagation_parse (const char *name, unsigned long *out, skiff_error **err);

/* Perform every entry of spec->mounts, in order, under rootfd (an O_PATH fd
 * on the bind-mounted rootfs whose host path is rootpath). */
int skiff_mounts_apply (int rootfd, const char *rootpath, const oci_spec *spec, const skiff_rootfs_opts *opts,
                        skiff_error **err);

/* The /proc rules, checked on the configured destination `clean` and on
 * where targetfd really is inside rootpath. */
int skiff_mount_check_dest (int targetfd, const char *rootpath, const char *clean, const char *type,
                            skiff_error **err);

/* Idmapped bind mounts (mounts_idmap.c). Applying a mapping needs
 * CAP_SYS_ADMIN over the source's filesystem, i.e. in the host user
 * namespace, which the init lost when it was cloned into the container's:
 * the runtime makes a detached idmapped copy of each such source before
 * clone, and the init attaches it. fds[i] is the copy for spec->mounts[i],
 * -1 for other mounts; joined_userns is the fd of a user namespace the
 * container joins (-1: a new one, mapped from linux.uidMappings/gidMappings). */
bool skiff_mount_is_idmapped (const oci_mount *m, const skiff_mount_opts *o);
int skiff_idmap_mounts_prepare (const oci_spec *spec, const char *bundle, bool userns, int joined_userns,
                                int **fds, skiff_error **err);
void skiff_idmap_mounts_close (int *fds, size_t n);
/* In the init: move the detached tree onto dest inside the rootfs. */
int skiff_idmap_mount_attach (int tree, int rootfd, const char *rootpath, const char *dest, skiff_error **err);

/* "cgroup"/"cgroup2" mounts (mounts_cgroup.c). */
int skiff_mount_cgroup (int rootfd, const char *rootpath, const char *dest, const oci_mount *m,
                        const skiff_mount_opts *o, const skiff_rootfs_opts *opts, skiff_error **err);

#endif
