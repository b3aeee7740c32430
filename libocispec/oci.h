/* Public API of libocispec: parse, validate, serialize and free the OCI
 * documents declared in oci_types.h. Standalone: depends only on yajl.
 *
 * Errors are returned as a malloc'd message in *errmsg that names the JSON
 * path and the problem, e.g.
 *   `linux.namespaces[2].type: unknown namespace "foo"`. */
#ifndef OCI_H
#define OCI_H

#include "oci_types.h"

/* Parse config.json text. Structural errors (wrong JSON types) fail here;
 * unknown fields are ignored. Returns 0 or -1 with *errmsg set. */
int oci_spec_parse (const char *json, size_t len, oci_spec **out, char **errmsg);
/* Semantic validation of the parts a Linux runtime acts on (namespace types,
 * capability names, rlimit types, mount destinations absolute, device types,
 * id mappings, seccomp actions/ops/arches, cgroup path has no "..", …). */
int oci_spec_validate (const oci_spec *spec, char **errmsg);
/* Serialize to JSON; pretty = indented with 2 spaces (runc's `state`
 * shape), no trailing newline. Absent/empty values are omitted. Returns malloc'd
 * NUL-terminated text, NULL on allocation failure. */
char *oci_spec_to_json (const oci_spec *spec, bool pretty);
void oci_spec_free (oci_spec *spec);
/* Pretty JSON with a caller-chosen indent string (e.g. "\t" like runc spec). */
char *oci_spec_to_json_indent (const oci_spec *spec, const char *indent);
/* The config.json that `skiff spec [--rootless]` writes: runc 1.1's default
 * spec with ociVersion "1.2.0" and hostname "skiff". Rootless: no network
 * namespace, a user namespace mapping root to the caller's euid/egid, /sys
 * bind-mounted, no cgroup device rules. Returns malloc'd text or NULL. */
char *oci_spec_default_json (bool rootless);

/* A bare process object (`exec --process process.json`). */
int oci_process_parse (const char *json, size_t len, oci_process **out, char **errmsg);
char *oci_process_to_json (const oci_process *process, bool pretty);
void oci_process_free (oci_process *process);

/* A bare linux.resources object (`update --resources file`). */
int oci_resources_parse (const char *json, size_t len, oci_resources **out, char **errmsg);
char *oci_resources_to_json (const oci_resources *resources, bool pretty);
void oci_resources_free (oci_resources *resources);

int oci_state_parse (const char *json, size_t len, oci_state **out, char **errmsg);
char *oci_state_to_json (const oci_state *state, bool pretty);
void oci_state_free (oci_state *state);

int oci_process_state_parse (const char *json, size_t len, oci_process_state **out, char **errmsg);
char *oci_process_state_to_json (const oci_process_state *ps, bool pretty);
void oci_process_state_free (oci_process_state *ps);

int oci_features_parse (const char *json, size_t len, oci_features **out, char **errmsg);
char *oci_features_to_json (const oci_features *features, bool pretty);
void oci_features_free (oci_features *features);

/* Lookup helpers shared by validation and the runtime. */
const char *oci_map_get (const oci_map *m, const char *key);
/* Capability name ("CAP_SYS_ADMIN") to number, -1 if unknown. */
int oci_capability_from_name (const char *name);
const char *oci_capability_name (int cap); /* NULL if unknown */
int oci_capability_last (void);            /* highest capability number known to the table */
/* RLIMIT_* name to resource number, -1 if unknown. */
int oci_rlimit_from_name (const char *name);
/* Namespace type ("pid", "network", …) known to the spec. */
bool oci_namespace_type_known (const char *type);

#endif
