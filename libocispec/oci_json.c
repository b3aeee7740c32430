/* Generic table-driven parser (yajl_tree -> C structs) and freer.
 * Serialization lives in oci_json_gen.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_json.h"

/* The JSON path of the value being parsed, kept so that every error can say
 * where it happened ("linux.namespaces[2].type"). A fixed buffer is enough:
 * a truncated path in a message is harmless. */
typedef struct {
  char buf[512];
  size_t len;
  char **errmsg;
} pctx;

static size_t __attribute__ ((format (printf, 2, 3)))
path_push (pctx *c, const char *fmt, ...)
{
  size_t old = c->len;
  va_list ap;

  if (old < sizeof (c->buf))
    {
      va_start (ap, fmt);
      vsnprintf (c->buf + old, sizeof (c->buf) - old, fmt, ap);
      va_end (ap);
    }
  c->len = strnlen (c->buf, sizeof (c->buf) - 1);
  return old;
}

static size_t
path_push_key (pctx *c, const char *key)
{
  return path_push (c, c->len ? ".%s" : "%s", key);
}

static size_t
path_push_index (pctx *c, size_t i)
{
  return path_push (c, "[%zu]", i);
}

static void
path_pop (pctx *c, size_t old)
{
  c->len = old;
  c->buf[old] = '\0';
}

static int __attribute__ ((format (printf, 2, 3)))
fail (pctx *c, const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (c->errmsg && *c->errmsg == NULL)
    {
      if (msg == NULL || c->len == 0 || asprintf (c->errmsg, "%s: %s", c->buf, msg) < 0)
        *c->errmsg = msg ? strdup (msg) : NULL;
    }
  free (msg);
  return -1;
}

static int
oom (pctx *c)
{
  return fail (c, "out of memory");
}

/* yajl keeps the literal text of every number, so we parse it ourselves:
 * that lets us reject floats and range errors precisely and read uint64
 * values above INT64_MAX (seccomp argument masks). */
static int
parse_number_text (yajl_val v, pctx *c, const char **out)
{
  const char *raw;

  if (!YAJL_IS_NUMBER (v))
    return fail (c, "expected an integer");
  raw = YAJL_GET_NUMBER (v);
  if (strpbrk (raw, ".eE") != NULL)
    return fail (c, "expected an integer, got %s", raw);
  *out = raw;
  return 0;
}

static int
parse_int (yajl_val v, unsigned flags, pctx *c, int64_t *out)
{
  const char *raw;
  char *end;
  long long n;

  if (parse_number_text (v, c, &raw) < 0)
    return -1;
  errno = 0;
  n = strtoll (raw, &end, 10);
  if (errno != 0 || *end != '\0'
      || ((flags & OCI_FF_32BIT) && (n < INT32_MIN || n > INT32_MAX)))
    return fail (c, "integer out of range: %s", raw);
  *out = n;
  return 0;
}

static int
parse_uint (yajl_val v, unsigned flags, pctx *c, uint64_t *out)
{
  const char *raw;
  char *end;
  unsigned long long n;

  if (parse_number_text (v, c, &raw) < 0)
    return -1;
  if (raw[0] == '-')
    return fail (c, "expected a non-negative integer, got %s", raw);
  errno = 0;
  n = strtoull (raw, &end, 10);
  if (errno != 0 || *end != '\0' || ((flags & OCI_FF_32BIT) && n > UINT32_MAX))
    return fail (c, "integer out of range: %s", raw);
  *out = n;
  return 0;
}

static int
parse_string (yajl_val v, pctx *c, char **out)
{
  if (!YAJL_IS_STRING (v))
    return fail (c, "expected a string");
  *out = strdup (v->u.string);
  return *out ? 0 : oom (c);
}

static int parse_struct (const oci_struct_desc *d, yajl_val v, void *obj, pctx *c);

/* Allocate a zeroed array for `n` elements and publish it with its count
 * before filling it, so a failure half-way is freed by the normal freer. */
static int
alloc_array (void *slot, size_t *count, size_t n, size_t elem, pctx *c)
{
  void *p = NULL;

  if (n > 0 && (p = calloc (n, elem)) == NULL)
    return oom (c);
  *(void **) slot = p;
  *count = n;
  return 0;
}

static int
parse_array (const oci_field *f, yajl_val v, void *slot, size_t *count, pctx *c)
{
  size_t n, i, elem, old;
  int r = 0;

  if (!YAJL_IS_ARRAY (v))
    return fail (c, "expected an array");
  n = YAJL_GET_ARRAY (v)->len;
  elem = f->kind == OCI_F_STRING_ARRAY   ? sizeof (char *)
         : f->kind == OCI_F_UINT32_ARRAY ? sizeof (uint32_t)
                                         : f->type->size;
  if (alloc_array (slot, count, n, elem, c) < 0)
    return -1;
  for (i = 0; i < n && r == 0; i++)
    {
      yajl_val e = YAJL_GET_ARRAY (v)->values[i];
      char *base = *(char **) slot;
      uint64_t u;

      old = path_push_index (c, i);
      if (f->kind == OCI_F_STRING_ARRAY)
        r = parse_string (e, c, (char **) base + i);
      else if (f->kind == OCI_F_UINT32_ARRAY)
        {
          r = parse_uint (e, OCI_FF_32BIT, c, &u);
          ((uint32_t *) base)[i] = (uint32_t) u;
        }
      else
        r = parse_struct (f->type, e, base + i * elem, c);
      path_pop (c, old);
    }
  return r;
}

static int
parse_map (yajl_val v, oci_map *m, pctx *c)
{
  size_t n, i, old;
  int r = 0;

  if (!YAJL_IS_OBJECT (v))
    return fail (c, "expected an object");
  n = YAJL_GET_OBJECT (v)->len;
  if (alloc_array (&m->keys, &m->len, n, sizeof (char *), c) < 0
      || alloc_array (&m->values, &m->len, n, sizeof (char *), c) < 0)
    return -1;
  for (i = 0; i < n && r == 0; i++)
    {
      const char *key = YAJL_GET_OBJECT (v)->keys[i];

      m->keys[i] = strdup (key);
      if (m->keys[i] == NULL)
        return oom (c);
      old = path_push_key (c, key);
      r = parse_string (YAJL_GET_OBJECT (v)->values[i], c, &m->values[i]);
      path_pop (c, old);
    }
  return r;
}

/* JSON {"key": {...}, ...} -> array of structs with the key stored inside
 * each element (linux.timeOffsets, resources.rdma, linux.netDevices). */
static int
parse_keyed (const oci_field *f, yajl_val v, void *slot, size_t *count, pctx *c)
{
  size_t n, i, old;
  int r = 0;

  if (!YAJL_IS_OBJECT (v))
    return fail (c, "expected an object");
  n = YAJL_GET_OBJECT (v)->len;
  if (alloc_array (slot, count, n, f->type->size, c) < 0)
    return -1;
  for (i = 0; i < n && r == 0; i++)
    {
      const char *key = YAJL_GET_OBJECT (v)->keys[i];
      char *elem = *(char **) slot + i * f->type->size;
      char **keyslot = (char **) (elem + f->key_offset);

      *keyslot = strdup (key);
      if (*keyslot == NULL)
        return oom (c);
      old = path_push_key (c, key);
      r = parse_struct (f->type, YAJL_GET_OBJECT (v)->values[i], elem, c);
      path_pop (c, old);
    }
  return r;
}

static int
parse_field (const oci_field *f, yajl_val v, char *obj, pctx *c)
{
  void *slot = obj + f->offset;
  size_t *count = (size_t *) (obj + f->count_offset);

  switch (f->kind)
    {
    case OCI_F_STRING:
      return parse_string (v, c, slot);
    case OCI_F_BOOL:
      if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
        return fail (c, "expected a boolean");
      *(oci_bool *) slot = (oci_bool) { YAJL_IS_TRUE (v), true };
      return 0;
    case OCI_F_INT:
      ((oci_int *) slot)->set = true;
      return parse_int (v, f->flags, c, &((oci_int *) slot)->value);
    case OCI_F_UINT:
      ((oci_uint *) slot)->set = true;
      return parse_uint (v, f->flags, c, &((oci_uint *) slot)->value);
    case OCI_F_OBJECT:
      if ((*(void **) slot = calloc (1, f->type->size)) == NULL)
        return oom (c);
      return parse_struct (f->type, v, *(void **) slot, c);
    case OCI_F_STRING_ARRAY:
    case OCI_F_UINT32_ARRAY:
    case OCI_F_OBJECT_ARRAY:
      return parse_array (f, v, slot, count, c);
    case OCI_F_MAP:
      return parse_map (v, slot, c);
    case OCI_F_KEYED_ARRAY:
      return parse_keyed (f, v, slot, count, c);
    }
  return fail (c, "internal error: bad field kind");
}

/* Go's encoding/json (runc) lets the last duplicate key win; do the same. */
static yajl_val
object_get_last (yajl_val v, const char *key)
{
  size_t i = YAJL_GET_OBJECT (v)->len;

  while (i-- > 0)
    if (strcmp (YAJL_GET_OBJECT (v)->keys[i], key) == 0)
      return YAJL_GET_OBJECT (v)->values[i];
  return NULL;
}

/* Walk the descriptor rather than the object: unknown keys are ignored by
 * construction, and JSON null counts as absent. */
static int
parse_struct (const oci_struct_desc *d, yajl_val v, void *obj, pctx *c)
{
  size_t i, old;
  int r = 0;

  if (!YAJL_IS_OBJECT (v))
    return fail (c, "expected an object");
  for (i = 0; i < d->n_fields && r == 0; i++)
    {
      const oci_field *f = &d->fields[i];
      yajl_val fv = object_get_last (v, f->name);

      if (fv == NULL || YAJL_IS_NULL (fv))
        continue;
      old = path_push_key (c, f->name);
      r = parse_field (f, fv, obj, c);
      path_pop (c, old);
    }
  return r;
}

static yajl_val
parse_tree (const char *json, size_t len, pctx *c)
{
  char errbuf[256] = "";
  char *text, *nl;
  yajl_val tree;

  /* yajl_tree_parse wants a NUL-terminated string; callers pass buffers. */
  text = strndup (json, len);
  if (text == NULL)
    {
      oom (c);
      return NULL;
    }
  tree = yajl_tree_parse (text, errbuf, sizeof (errbuf));
  free (text);
  if (tree == NULL)
    {
      /* yajl appends a multi-line excerpt with a caret; keep the first line. */
      if ((nl = strchr (errbuf, '\n')) != NULL)
        *nl = '\0';
      fail (c, "invalid JSON: %s", errbuf[0] ? errbuf : "parse error");
    }
  return tree;
}

int
oci_json_parse_doc (const oci_struct_desc *d, const char *json, size_t len, void **out,
                    char **errmsg)
{
  pctx c = { .len = 0, .errmsg = errmsg };
  yajl_val tree;
  void *obj;
  int r;

  *out = NULL;
  if (errmsg)
    *errmsg = NULL;
  if (json == NULL)
    return fail (&c, "no JSON input");
  tree = parse_tree (json, len, &c);
  if (tree == NULL)
    return -1;
  obj = calloc (1, d->size);
  if (obj == NULL)
    r = oom (&c);
  else
    r = parse_struct (d, tree, obj, &c);
  yajl_tree_free (tree);
  if (r < 0)
    {
      oci_json_free (d, obj);
      return -1;
    }
  *out = obj;
  return 0;
}

static void
free_strv (char **v, size_t n)
{
  size_t i;

  for (i = 0; v && i < n; i++)
    free (v[i]);
  free (v);
}

static void free_members (const oci_struct_desc *d, void *obj);

static void
free_field (const oci_field *f, char *obj)
{
  /* Only pointer-kind members may be read as pointers, and only array
   * kinds have a count: scalar members can sit at the end of a small struct. */
  void **slot = (void **) (obj + f->offset);
  size_t *count = (size_t *) (obj + f->count_offset);
  char *p;
  size_t i;
  oci_map *m;

  switch (f->kind)
    {
    case OCI_F_STRING:
    case OCI_F_UINT32_ARRAY:
      free (*slot);
      break;
    case OCI_F_OBJECT:
      oci_json_free (f->type, *slot);
      break;
    case OCI_F_STRING_ARRAY:
      free_strv (*slot, *count);
      break;
    case OCI_F_OBJECT_ARRAY:
    case OCI_F_KEYED_ARRAY:
      p = *slot;
      for (i = 0; p && i < *count; i++)
        {
          char *elem = p + i * f->type->size;

          if (f->kind == OCI_F_KEYED_ARRAY)
            free (*(char **) (elem + f->key_offset));
          free_members (f->type, elem);
        }
      free (p);
      break;
    case OCI_F_MAP:
      m = (oci_map *) (obj + f->offset);
      free_strv (m->keys, m->len);
      free_strv (m->values, m->len);
      break;
    case OCI_F_BOOL:
    case OCI_F_INT:
    case OCI_F_UINT:
      break;
    }
}

static void
free_members (const oci_struct_desc *d, void *obj)
{
  size_t i;

  for (i = 0; i < d->n_fields; i++)
    free_field (&d->fields[i], obj);
}

void
oci_json_free (const oci_struct_desc *d, void *obj)
{
  if (obj == NULL)
    return;
  free_members (d, obj);
  free (obj);
}
