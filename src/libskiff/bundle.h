/* Loading an OCI bundle (create, restore) and the runtime state document
 * that describes a container made from it. */
#ifndef SKIFF_BUNDLE_H
#define SKIFF_BUNDLE_H

#include <sys/types.h>

#include "error.h"
#include "oci.h"

typedef struct skiff_bundle {
  char *dir;      /* absolute bundle directory */
  char *rootfs;   /* absolute, resolved root.path */
  oci_spec *spec; /* parsed and validated; process is present */
} skiff_bundle;

/* Read <bundle>/config.json (or config_path), parse, validate, require a
 * process, resolve the rootfs. what names the command in errors. */
int skiff_bundle_load (const char *bundle, const char *config_path, const char *what, skiff_bundle *out,
                       skiff_error **err);
void skiff_bundle_release (skiff_bundle *b);

/* The state of container id with init pid, as `state` prints it. */
oci_state *skiff_bundle_state (const skiff_bundle *b, const char *id, const char *status, pid_t pid);

#endif
