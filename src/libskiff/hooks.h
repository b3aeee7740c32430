/* OCI lifecycle hooks: each runs as its own process with the container
 * state JSON on stdin, the hook's args and env, and an optional timeout
 * after which it is killed. Where and when each kind runs is decided by the
 * callers (create.c, init.c, container.c), as the runtime-spec says. */
#ifndef SKIFF_HOOKS_H
#define SKIFF_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "oci.h"

/* The hook lists of a config by kind. */
typedef enum {
  SKIFF_HOOK_PRESTART,
  SKIFF_HOOK_CREATE_RUNTIME,
  SKIFF_HOOK_CREATE_CONTAINER,
  SKIFF_HOOK_START_CONTAINER,
  SKIFF_HOOK_POSTSTART,
  SKIFF_HOOK_POSTSTOP,
} skiff_hook_kind;

/* Hooks of that kind in spec (may be NULL/0). */
const oci_hook *skiff_hooks_of (const oci_spec *spec, skiff_hook_kind kind, size_t *n);
const char *skiff_hook_kind_name (skiff_hook_kind kind);

/* Run every hook of that kind in order with state_json on stdin. Stops at the
 * first failure (non-zero exit, signal, timeout), naming the hook. */
int skiff_hooks_run (const oci_spec *spec, skiff_hook_kind kind, const char *state_json, skiff_error **err);

/* state_json with its status replaced (malloc'd); NULL if it does not parse. */
char *skiff_state_json_with_status (const char *state_json, const char *status);

#endif
