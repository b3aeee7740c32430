/* config.json: parse -> validate -> serialize -> parse again. The second
 * serialization must equal the first (the model round-trips), and
 * validation must not change its verdict across the round trip. A valid
 * config then goes through what the runtime derives from it without
 * touching the host: validation must rule out all that these refuse. */
#include "fuzz.h"

#include "cgroup/cgroup.h"
#include "linux/mounts.h"
#include "linux/namespaces.h"
#include "oci.h"

static void
check_caps (char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK (names[i] && oci_capability_from_name (names[i]) >= 0, "valid config, unknown capability `%s`",
                names[i] ? names[i] : "(null)");
}

static void
consume (const oci_spec *spec)
{
  skiff_error *err = NULL;
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      skiff_mount_opts o;
      if (skiff_mount_opts_parse (spec->mounts[i].options, spec->mounts[i].n_options, &o, &err) == 0)
        skiff_mount_opts_free (&o);
      skiff_error_clear (&err);
    }
  const oci_process *p = spec->process;
  if (p)
    for (size_t i = 0; i < p->n_rlimits; i++)
      FUZZ_CHECK (p->rlimits[i].type && oci_rlimit_from_name (p->rlimits[i].type) >= 0,
                  "valid config, unknown rlimit `%s`", p->rlimits[i].type ? p->rlimits[i].type : "(null)");
  if (p && p->capabilities)
    {
      check_caps (p->capabilities->bounding, p->capabilities->n_bounding);
      check_caps (p->capabilities->effective, p->capabilities->n_effective);
      check_caps (p->capabilities->inheritable, p->capabilities->n_inheritable);
      check_caps (p->capabilities->permitted, p->capabilities->n_permitted);
      check_caps (p->capabilities->ambient, p->capabilities->n_ambient);
    }
  const oci_linux *l = spec->linux_;
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n_namespaces; i++)
    FUZZ_CHECK (l->namespaces[i].type && skiff_ns_flag (l->namespaces[i].type) != 0,
                "valid config, namespace type `%s` unknown to the runtime",
                l->namespaces[i].type ? l->namespaces[i].type : "(null)");
  if (l->rootfs_propagation && *l->rootfs_propagation)
    {
      unsigned long prop;
      (void)skiff_propagation_parse (l->rootfs_propagation, &prop, &err);
      skiff_error_clear (&err);
    }
  char *path = NULL, *unit = NULL;
  int r = skiff_cgroup_path_for (l, "fuzz", false, &path, &unit, &err);
  FUZZ_CHECK (r == 0, "valid config, cgroupsPath `%s` refused: %s", l->cgroups_path ? l->cgroups_path : "",
              err && err->msg ? err->msg : "");
  free (path);
}

static char *
serialize (const oci_spec *spec, int how)
{
  switch (how)
    {
    case 0:
      return oci_spec_to_json (spec, false);
    case 1:
      return oci_spec_to_json (spec, true);
    default:
      return oci_spec_to_json_indent (spec, "\t");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  oci_spec *spec = NULL, *again = NULL;
  char *errmsg = NULL, *json = NULL, *json2 = NULL;
  int how = size ? data[size - 1] % 3 : 0;

  if (oci_spec_parse ((const char *)data, size, &spec, &errmsg) < 0)
    {
      FUZZ_CHECK (spec == NULL && errmsg != NULL, "failed parse must set errmsg only");
      free (errmsg);
      return 0;
    }
  FUZZ_CHECK (spec != NULL && errmsg == NULL, "successful parse must return a spec");

  int valid = oci_spec_validate (spec, &errmsg);
  FUZZ_CHECK ((valid == 0) == (errmsg == NULL), "validate: return %d but errmsg %p", valid, errmsg);
  free (errmsg);
  errmsg = NULL;
  if (valid == 0)
    consume (spec);

  json = serialize (spec, how);
  FUZZ_CHECK (json != NULL, "serialize returned NULL");
  if (oci_spec_parse (json, strlen (json), &again, &errmsg) < 0)
    FUZZ_CHECK (0, "own output does not parse: %s\n%s", errmsg, json);
  json2 = serialize (again, how);
  FUZZ_CHECK (json2 != NULL, "serialize of the reparsed document returned NULL");
  FUZZ_CHECK (strcmp (json, json2) == 0, "round trip differs:\n%s\n---\n%s", json, json2);

  int valid2 = oci_spec_validate (again, &errmsg);
  FUZZ_CHECK ((valid == 0) == (valid2 == 0), "validation verdict changed by a round trip (%d -> %d: %s)\n%s",
              valid, valid2, errmsg ? errmsg : "", json);
  free (errmsg);

  free (json);
  free (json2);
  oci_spec_free (again);
  oci_spec_free (spec);
  return 0;
}
