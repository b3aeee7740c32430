/* The other libocispec documents: state.json, exec --process, update
 * --resources and the features document. Built once per document with
 * -DFUZZ_DOC_<name>. Each: parse -> serialize -> parse -> serialize must be
 * stable; then the pure helpers that consume the document run on it. */
#include "fuzz.h"

#include "oci.h"

#if defined(FUZZ_DOC_state)
#define DOC oci_state
#define DOC_PARSE oci_state_parse
#define DOC_JSON oci_state_to_json
#define DOC_FREE oci_state_free
#elif defined(FUZZ_DOC_process)
#define DOC oci_process
#define DOC_PARSE oci_process_parse
#define DOC_JSON oci_process_to_json
#define DOC_FREE oci_process_free
#elif defined(FUZZ_DOC_resources)
#include "cgroup/convert.h"
#define DOC oci_resources
#define DOC_PARSE oci_resources_parse
#define DOC_JSON oci_resources_to_json
#define DOC_FREE oci_resources_free
#elif defined(FUZZ_DOC_features)
#define DOC oci_features
#define DOC_PARSE oci_features_parse
#define DOC_JSON oci_features_to_json
#define DOC_FREE oci_features_free
#else
#error "define FUZZ_DOC_state, FUZZ_DOC_process, FUZZ_DOC_resources or FUZZ_DOC_features"
#endif

#if defined(FUZZ_DOC_process)
static void
use_names (char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (names[i])
      {
        int cap = oci_capability_from_name (names[i]);
        if (cap >= 0)
          FUZZ_CHECK (oci_capability_name (cap) != NULL, "capability %d has no name", cap);
      }
}

/* rlimit and capability names are looked up by the runtime. */
static void
consume (const oci_process *p)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    if (p->rlimits[i].type)
      (void)oci_rlimit_from_name (p->rlimits[i].type);
  if (p->capabilities)
    {
      use_names (p->capabilities->bounding, p->capabilities->n_bounding);
      use_names (p->capabilities->effective, p->capabilities->n_effective);
      use_names (p->capabilities->inheritable, p->capabilities->n_inheritable);
      use_names (p->capabilities->permitted, p->capabilities->n_permitted);
      use_names (p->capabilities->ambient, p->capabilities->n_ambient);
    }
}
#elif defined(FUZZ_DOC_resources)
/* What the cgroup drivers compute from linux.resources before any I/O. */
static void
consume (const oci_resources *r)
{
  char buf[256];
  skiff_error *err = NULL;
  for (size_t i = 0; i < r->n_devices; i++)
    {
      if (skiff_cg_device_rule (&r->devices[i], buf, sizeof buf, &err) == 0)
        FUZZ_CHECK (strlen (buf) < sizeof buf, "device rule");
      skiff_error_clear (&err);
    }
  if (r->cpu)
    {
      skiff_cg_cpu_max (r->cpu, buf, sizeof buf);
      (void)skiff_cg_shares_to_weight (r->cpu->shares.value);
    }
  if (r->memory)
    {
      int64_t out;
      skiff_cg_memory_value (r->memory->limit.value, true, buf, sizeof buf);
      skiff_cg_memory_value (r->memory->swap.value, false, buf, sizeof buf);
      (void)skiff_cg_swap_to_v2 (r->memory->limit.set, r->memory->limit.value, r->memory->swap.value, &out,
                                 &err);
      skiff_error_clear (&err);
    }
  if (r->pids)
    skiff_cg_pids_max (r->pids->limit.value, buf, sizeof buf);
  if (r->block_io)
    {
      uint64_t w = skiff_cg_blkio_to_io_weight (r->block_io->weight.value);
      FUZZ_CHECK (w >= 1 && w <= 10000, "io weight %llu", (unsigned long long)w);
    }
  for (size_t i = 0; i < r->unified.len; i++)
    {
      const char *key = r->unified.keys[i];
      if (key && skiff_cg_unified_key_ok (key))
        {
          FUZZ_CHECK (strchr (key, '/') == NULL && strcmp (key, ".") && strcmp (key, ".."),
                      "unsafe unified key accepted: `%s`", key);
          skiff_cg_unified_controller (key, buf, sizeof buf);
          FUZZ_CHECK (strlen (buf) < sizeof buf, "controller");
        }
    }
}
#else
static void
consume (const DOC *d)
{
  (void)d;
}
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  DOC *doc = NULL, *again = NULL;
  char *errmsg = NULL;
  bool pretty = size && (data[size - 1] & 1);

  if (DOC_PARSE ((const char *)data, size, &doc, &errmsg) < 0)
    {
      FUZZ_CHECK (doc == NULL && errmsg != NULL, "failed parse must set errmsg only");
      free (errmsg);
      return 0;
    }
  consume (doc);
  char *json = DOC_JSON (doc, pretty);
  FUZZ_CHECK (json != NULL, "serialize returned NULL");
  if (DOC_PARSE (json, strlen (json), &again, &errmsg) < 0)
    FUZZ_CHECK (0, "own output does not parse: %s\n%s", errmsg, json);
  char *json2 = DOC_JSON (again, pretty);
  FUZZ_CHECK (json2 != NULL, "serialize of the reparsed document returned NULL");
  FUZZ_CHECK (strcmp (json, json2) == 0, "round trip differs:\n%s\n---\n%s", json, json2);
  free (json);
  free (json2);
  DOC_FREE (again);
  DOC_FREE (doc);
  return 0;
}
