/* The runtime state document, in runc's shape and field order (what
 * `runc state` prints and what engines parse), and the container process
 * state that wraps it for a seccomp agent. */
#include "oci.h"
#include "oci_json.h"

/* runc prints every field except annotations even when empty ("pid": 0 for
 * a stopped container, "owner": ""), and engines read them unconditionally. */
#define A OCI_FF_ALWAYS
static const oci_field state_f[] = {
  OCI_STR_F (oci_state, oci_version, "ociVersion", A),
  OCI_STR_F (oci_state, id, "id", A),
  OCI_INT_F (oci_state, pid, "pid", A),
  OCI_STR_F (oci_state, status, "status", A),
  OCI_STR_F (oci_state, bundle, "bundle", A),
  OCI_STR_F (oci_state, rootfs, "rootfs", A),
  OCI_STR_F (oci_state, created, "created", A),
  OCI_MAP (oci_state, annotations, "annotations"),
  OCI_STR_F (oci_state, owner, "owner", A),
};
static const oci_struct_desc state_d = OCI_DESC (oci_state, state_f);

int
oci_state_parse (const char *json, size_t len, oci_state **out, char **errmsg)
{
  return oci_json_parse_doc (&state_d, json, len, (void **) out, errmsg);
}

char *
oci_state_to_json (const oci_state *state, bool pretty)
{
  return oci_json_to_text (&state_d, state, pretty, NULL);
}

void
oci_state_free (oci_state *state)
{
  oci_json_free (&state_d, state);
}

/* The spec's example order; pid is required, so 0 is still printed. */
static const oci_field process_state_f[] = {
  OCI_STR_F (oci_process_state, oci_version, "ociVersion", A),
  OCI_STRS (oci_process_state, fds, "fds"),
  OCI_INT_F (oci_process_state, pid, "pid", A),
  OCI_STR (oci_process_state, metadata, "metadata"),
  OCI_OBJ (oci_process_state, state, "state", oci_state, state_d),
};
static const oci_struct_desc process_state_d = OCI_DESC (oci_process_state, process_state_f);

int
oci_process_state_parse (const char *json, size_t len, oci_process_state **out, char **errmsg)
{
  return oci_json_parse_doc (&process_state_d, json, len, (void **) out, errmsg);
}

char *
oci_process_state_to_json (const oci_process_state *ps, bool pretty)
{
  return oci_json_to_text (&process_state_d, ps, pretty, NULL);
}

void
oci_process_state_free (oci_process_state *ps)
{
  oci_json_free (&process_state_d, ps);
}
