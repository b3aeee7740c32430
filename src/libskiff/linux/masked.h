/* linux.maskedPaths and linux.readonlyPaths. */
#ifndef SKIFF_LINUX_MASKED_H
#define SKIFF_LINUX_MASKED_H

#include "error.h"
#include "oci.h"

/* Before pivot_root: open the HOST /dev/null (checked to be char 1:3) and
 * clone one detached bind mount of it.  A bind source has to be in our
 * mount namespace (open_tree(2)/MS_BIND), which the host /dev no longer is
 * once the old root is detached; a detached clone can still be attached
 * later with move_mount(2), and the other masked files are bound from that
 * first one.  Kept in static state until skiff_masked_release (the
 * container init is single-threaded). */
int skiff_masked_prepare (const oci_spec *spec, skiff_error **err);

/* After pivot_root, rootfd on the new "/": readonlyPaths (bind onto itself,
 * ro|nosuid|nodev|noexec) then maskedPaths (files: the host /dev/null,
 * or without open_tree our own verified /dev/null; directories: a
 * fresh empty read-only tmpfs).  Missing paths are skipped. */
int skiff_readonly_apply (int rootfd, const oci_spec *spec, skiff_error **err);
int skiff_masked_apply (int rootfd, const oci_spec *spec, skiff_error **err);

void skiff_masked_release (void);

#endif
