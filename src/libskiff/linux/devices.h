/* /dev inside the container: default and configured device nodes, the
 * standard symlinks and the /dev/console placeholder. */
#ifndef SKIFF_LINUX_DEVICES_H
#define SKIFF_LINUX_DEVICES_H

#include "error.h"
#include "oci.h"
#include "rootfs.h"

/* Everything is created from an fd on the rootfs's /dev resolved inside the
 * root, never by path string. */
int skiff_devices_setup (int rootfd, const char *rootpath, const oci_spec *spec,
                         const skiff_rootfs_opts *opts, skiff_error **err);

#endif
