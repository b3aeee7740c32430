/* The generic, table-driven JSON engine behind every libocispec document.
 *
 * Each C struct in oci_types.h has one descriptor (oci_struct_desc) listing
 * its JSON fields; one parser, one serializer and one freer walk those
 * tables. Adding a field to the model is one table line, not new code.
 * Internal to libocispec: the runtime uses oci.h. */
#ifndef OCI_JSON_H
#define OCI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "oci_types.h"

typedef enum {
  OCI_F_STRING,       /* char * */
  OCI_F_BOOL,         /* oci_bool */
  OCI_F_INT,          /* oci_int */
  OCI_F_UINT,         /* oci_uint */
  OCI_F_OBJECT,       /* T * (desc) */
  OCI_F_STRING_ARRAY, /* char ** + size_t count */
  OCI_F_UINT32_ARRAY, /* uint32_t * + size_t count */
  OCI_F_OBJECT_ARRAY, /* T * + size_t count (desc) */
  OCI_F_MAP,          /* oci_map (string -> string) */
  OCI_F_KEYED_ARRAY,  /* JSON {key: {...}} stored as T * + count, key in T at key_offset */
} oci_field_kind;

/* Field flags. */
enum {
  OCI_FF_ALWAYS = 1 << 0, /* emit even when unset (as 0/false/""), like runc's state "pid" */
  OCI_FF_32BIT = 1 << 1,  /* integer must fit in 32 bits (uid, gid, id mappings, …) */
};

struct oci_struct_desc;

typedef struct {
  const char *name; /* JSON key */
  oci_field_kind kind;
  unsigned flags;
  size_t offset;       /* member offset in the parent struct */
  size_t count_offset; /* arrays: offset of the size_t count */
  size_t key_offset;   /* keyed arrays: offset of the char * key inside the element */
  const struct oci_struct_desc *type; /* objects: element descriptor */
} oci_field;

typedef struct oci_struct_desc {
  const char *name; /* for diagnostics only */
  size_t size;
  const oci_field *fields;
  size_t n_fields;
} oci_struct_desc;

/* Table-building macros. The type check turns a table line that names a
 * member of the wrong C type into a compile error (negative array size)
 * instead of silent memory corruption through the void * walk. */
#define OCI_TYPECHECK_(T, m, type) \
  (0 * sizeof (char[1 - 2 * !__builtin_types_compatible_p (__typeof__ (((T *) 0)->m), type)]))
#define OCI_OFF_(T, m, type) (offsetof (T, m) + OCI_TYPECHECK_ (T, m, type))

#define OCI_STR(T, m, json) OCI_STR_F (T, m, json, 0)
#define OCI_STR_F(T, m, json, fl) { json, OCI_F_STRING, fl, OCI_OFF_ (T, m, char *), 0, 0, NULL }
#define OCI_BOOL(T, m, json) { json, OCI_F_BOOL, 0, OCI_OFF_ (T, m, oci_bool), 0, 0, NULL }
#define OCI_INT(T, m, json) { json, OCI_F_INT, 0, OCI_OFF_ (T, m, oci_int), 0, 0, NULL }
#define OCI_UINT(T, m, json) { json, OCI_F_UINT, 0, OCI_OFF_ (T, m, oci_uint), 0, 0, NULL }
#define OCI_INT_F(T, m, json, fl) { json, OCI_F_INT, fl, OCI_OFF_ (T, m, oci_int), 0, 0, NULL }
#define OCI_UINT_F(T, m, json, fl) { json, OCI_F_UINT, fl, OCI_OFF_ (T, m, oci_uint), 0, 0, NULL }
#define OCI_OBJ(T, m, json, ET, desc) \
  { json, OCI_F_OBJECT, 0, OCI_OFF_ (T, m, ET *), 0, 0, &(desc) }
#define OCI_STRS(T, m, json) \
  { json, OCI_F_STRING_ARRAY, 0, OCI_OFF_ (T, m, char **), OCI_OFF_ (T, n_##m, size_t), 0, NULL }
#define OCI_U32S(T, m, json) \
  { json, OCI_F_UINT32_ARRAY, 0, OCI_OFF_ (T, m, uint32_t *), OCI_OFF_ (T, n_##m, size_t), 0, NULL }
#define OCI_OBJS(T, m, json, ET, desc) \
  { json, OCI_F_OBJECT_ARRAY, 0, OCI_OFF_ (T, m, ET *), OCI_OFF_ (T, n_##m, size_t), 0, &(desc) }
#define OCI_MAP(T, m, json) { json, OCI_F_MAP, 0, OCI_OFF_ (T, m, oci_map), 0, 0, NULL }
#define OCI_KEYED(T, m, json, ET, key, desc)                                          \
  { json, OCI_F_KEYED_ARRAY, 0, OCI_OFF_ (T, m, ET *), OCI_OFF_ (T, n_##m, size_t), \
    OCI_OFF_ (ET, key, char *), &(desc) }

#define OCI_DESC(T, table) { #T, sizeof (T), table, sizeof (table) / sizeof ((table)[0]) }

/* Parse a whole document: JSON text -> newly allocated struct. On error
 * returns -1 and sets *errmsg (malloc'd, "path: problem"). */
int oci_json_parse_doc (const oci_struct_desc *d, const char *json, size_t len, void **out,
                        char **errmsg);
/* Serialize a struct. pretty: indented with `indent` (NULL = 2 spaces);
 * otherwise compact. Never a trailing newline. Returns malloc'd text or NULL
 * on allocation failure. */
char *oci_json_to_text (const oci_struct_desc *d, const void *obj, bool pretty,
                        const char *indent);
/* Free everything a struct owns, then the struct itself. NULL is fine. */
void oci_json_free (const oci_struct_desc *d, void *obj);

#endif
