/* Generic table-driven serializer (C structs -> yajl_gen). Field order is
 * the descriptor order, which follows runtime-spec's Go structs so that our
 * output lines up with runc's. Absent values (NULL, unset, empty) are
 * omitted, like Go's `omitempty`, unless the field is OCI_FF_ALWAYS. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_json.h"

/* We own the output buffer (via yajl's print callback) so that empty
 * objects can be rewritten as "{}": yajl's beautifier would print them
 * across three lines. */
typedef struct
{
  char *data;
  size_t len, cap;
  bool failed;
} out_buf;

typedef struct
{
  yajl_gen g;
  out_buf *out;
  bool pretty;
} gctx;

static void
buf_print (void *ctx, const char *s, size_t n)
{
  out_buf *b = ctx;
  size_t cap = b->cap ? b->cap : 4096;
  char *p;

  if (b->failed)
    return;
  while (cap - b->len <= n)
    cap *= 2;
  if (cap != b->cap)
    {
      if ((p = realloc (b->data, cap)) == NULL)
        {
          b->failed = true;
          return;
        }
      b->data = p;
      b->cap = cap;
    }
  memcpy (b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* Called right after closing an object that had no members: everything
 * since its '{' is beautifier whitespace. */
static void
compact_empty_object (gctx *c)
{
  out_buf *b = c->out;
  char *open;

  if (!c->pretty || b->failed || b->len == 0)
    return;
  open = memrchr (b->data, '{', b->len);
  if (open == NULL)
    return;
  b->len = (size_t) (open - b->data);
  buf_print (b, "{}", 2);
}

static int
gen_str (gctx *c, const char *s)
{
  return yajl_gen_string (c->g, (const unsigned char *) s, strlen (s)) == yajl_gen_status_ok ? 0 : -1;
}

/* Numbers go through yajl_gen_number so uint64 values above LLONG_MAX
 * survive (yajl_gen_integer takes a long long). */
static int
gen_num (gctx *c, bool is_signed, uint64_t u, int64_t i)
{
  char buf[32];
  int n;

  if (is_signed)
    n = snprintf (buf, sizeof (buf), "%" PRId64, i);
  else
    n = snprintf (buf, sizeof (buf), "%" PRIu64, u);
  return yajl_gen_number (c->g, buf, (size_t) n) == yajl_gen_status_ok ? 0 : -1;
}

static int gen_struct (gctx *c, const oci_struct_desc *d, const void *obj);

static int
gen_array (gctx *c, const oci_field *f, const char *base, size_t n)
{
  size_t i;
  int r = yajl_gen_array_open (c->g) == yajl_gen_status_ok ? 0 : -1;

  for (i = 0; i < n && r == 0; i++)
    {
      if (f->kind == OCI_F_STRING_ARRAY)
        r = gen_str (c, ((char *const *) base)[i] ? ((char *const *) base)[i] : "");
      else if (f->kind == OCI_F_UINT32_ARRAY)
        r = gen_num (c, false, ((const uint32_t *) base)[i], 0);
      else
        r = gen_struct (c, f->type, base + i * f->type->size);
    }
  if (r == 0 && yajl_gen_array_close (c->g) != yajl_gen_status_ok)
    r = -1;
  return r;
}

static int
gen_map (gctx *c, const oci_map *m)
{
  size_t i;
  int r = yajl_gen_map_open (c->g) == yajl_gen_status_ok ? 0 : -1;

  for (i = 0; i < m->len && r == 0; i++)
    {
      r = gen_str (c, m->keys[i] ? m->keys[i] : "");
      if (r == 0)
        r = gen_str (c, m->values[i] ? m->values[i] : "");
    }
  if (r == 0 && yajl_gen_map_close (c->g) != yajl_gen_status_ok)
    r = -1;
  return r;
}

static int
gen_keyed (gctx *c, const oci_field *f, const char *base, size_t n)
{
  size_t i;
  int r = yajl_gen_map_open (c->g) == yajl_gen_status_ok ? 0 : -1;

  for (i = 0; i < n && r == 0; i++)
    {
      const char *elem = base + i * f->type->size;
      const char *key = *(char *const *) (elem + f->key_offset);

      r = gen_str (c, key ? key : "");
      if (r == 0)
        r = gen_struct (c, f->type, elem);
    }
  if (r == 0 && yajl_gen_map_close (c->g) != yajl_gen_status_ok)
    r = -1;
  return r;
}

/* Whether a member carries a value worth emitting. */
static bool
field_present (const oci_field *f, const char *obj)
{
  const void *slot = obj + f->offset;

  if (f->flags & OCI_FF_ALWAYS)
    return true;
  switch (f->kind)
    {
    case OCI_F_STRING:
    case OCI_F_OBJECT:
      return *(void *const *) slot != NULL;
    case OCI_F_BOOL:
      return ((const oci_bool *) slot)->set;
    case OCI_F_INT:
      return ((const oci_int *) slot)->set;
    case OCI_F_UINT:
      return ((const oci_uint *) slot)->set;
    case OCI_F_MAP:
      return ((const oci_map *) slot)->len > 0;
    case OCI_F_STRING_ARRAY:
    case OCI_F_UINT32_ARRAY:
    case OCI_F_OBJECT_ARRAY:
    case OCI_F_KEYED_ARRAY:
      return *(const size_t *) (obj + f->count_offset) > 0 && *(void *const *) slot != NULL;
    }
  return false;
}

static int
gen_value (gctx *c, const oci_field *f, const char *obj)
{
  const void *slot = obj + f->offset;
  size_t n;

  switch (f->kind)
    {
    case OCI_F_STRING:
      return gen_str (c, *(char *const *) slot ? *(char *const *) slot : "");
    case OCI_F_BOOL:
      return yajl_gen_bool (c->g, ((const oci_bool *) slot)->value) == yajl_gen_status_ok ? 0 : -1;
    case OCI_F_INT:
      return gen_num (c, true, 0, ((const oci_int *) slot)->value);
    case OCI_F_UINT:
      return gen_num (c, false, ((const oci_uint *) slot)->value, 0);
    case OCI_F_OBJECT:
      return gen_struct (c, f->type, *(void *const *) slot);
    case OCI_F_MAP:
      return gen_map (c, slot);
    default:
      break;
    }
  n = *(const size_t *) (obj + f->count_offset);
  if (*(void *const *) slot == NULL)
    n = 0;
  if (f->kind == OCI_F_KEYED_ARRAY)
    return gen_keyed (c, f, *(char *const *) slot, n);
  return gen_array (c, f, *(char *const *) slot, n);
}

/* obj may be NULL for an OCI_FF_ALWAYS object member: printed as {}. */
static int
gen_struct (gctx *c, const oci_struct_desc *d, const void *obj)
{
  size_t i, emitted = 0;
  int r = yajl_gen_map_open (c->g) == yajl_gen_status_ok ? 0 : -1;

  for (i = 0; obj && i < d->n_fields && r == 0; i++)
    {
      const oci_field *f = &d->fields[i];

      if (!field_present (f, obj))
        continue;
      emitted++;
      r = gen_str (c, f->name);
      if (r == 0)
        r = gen_value (c, f, obj);
    }
  if (r == 0 && yajl_gen_map_close (c->g) != yajl_gen_status_ok)
    r = -1;
  if (r == 0 && emitted == 0)
    compact_empty_object (c);
  return r;
}

char *
oci_json_to_text (const oci_struct_desc *d, const void *obj, bool pretty, const char *indent)
{
  out_buf out = { 0 };
  gctx c = { .out = &out, .pretty = pretty };
  int r;

  if (obj == NULL)
    return NULL;
  c.g = yajl_gen_alloc (NULL);
  if (c.g == NULL)
    return NULL;
  yajl_gen_config (c.g, yajl_gen_print_callback, buf_print, &out);
  if (pretty)
    {
      yajl_gen_config (c.g, yajl_gen_beautify, 1);
      yajl_gen_config (c.g, yajl_gen_indent_string, indent ? indent : "  ");
    }
  r = gen_struct (&c, d, obj);
  yajl_gen_free (c.g);
  /* Like Go's MarshalIndent (runc), no trailing newline: callers that
   * print add their own. yajl's beautifier appends one. */
  while (out.data && out.len > 0 && out.data[out.len - 1] == '\n')
    out.data[--out.len] = '\0';
  if (r < 0 || out.failed || out.data == NULL)
    {
      free (out.data);
      return NULL;
    }
  return out.data;
}
