/* Unit names and cgroup paths of the systemd driver (see systemd.h).
 * systemd.unit(5) "Slice units" and systemd.slice(5) define the mapping:
 * dashes in a slice name are its ancestors. */
#include "cgroup/systemd.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SLICE_SUFFIX ".slice"
/* systemd's UNIT_NAME_MAX is 256 including the NUL. */
#define UNIT_NAME_MAX 255
#define DEFAULT_SLICE "system.slice"
#define DEFAULT_PREFIX "skiff"

static bool
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

/* The characters systemd accepts in a unit name (unit-name.c VALID_CHARS). */
static bool
unit_chars_ok (const char *s)
{
  static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\";
  return s[strspn (s, ok)] == '\0';
}

int
skiff_sd_expand_slice (const char *slice, char **out, skiff_error **err)
{
  if (strcmp (slice, "-" SLICE_SUFFIX) == 0)
    {
      *out = xstrdup ("");
      return 0;
    }
  if (!ends_with (slice, SLICE_SUFFIX) || !unit_chars_ok (slice) || strlen (slice) > UNIT_NAME_MAX)
    return skiff_error_set (err, 0, "invalid slice name `%s`", slice);
  size_t base = strlen (slice) - strlen (SLICE_SUFFIX);
  /* Each dash-separated prefix is an ancestor slice: a-b.slice lives in
   * a.slice. An empty component (leading, trailing or double dash) names
   * no slice. */
  char *path = xstrdup ("");
  for (size_t i = 0; i <= base; i++)
    {
      if (i < base && slice[i] != '-')
        continue;
      if (i == 0 || slice[i - 1] == '-')
        {
          free (path);
          return skiff_error_set (err, 0, "invalid slice name `%s`: empty component", slice);
        }
      char *next = xasprintf ("%s/%.*s" SLICE_SUFFIX, path, (int) i, slice);
      free (path);
      path = next;
    }
  *out = path;
  return 0;
}

static int
check_unit_name (const char *cp, const char *unit, skiff_error **err)
{
  if (strlen (unit) > UNIT_NAME_MAX)
    return skiff_error_set (err, 0, "cgroupsPath `%s`: unit name `%s` is too long for systemd", cp, unit);
  if (!unit_chars_ok (unit))
    return skiff_error_set (err, 0, "cgroupsPath `%s`: `%s` is not a valid systemd unit name "
                            "(allowed: letters, digits, `:-_.\\`)", cp, unit);
  return 0;
}

/* A slice unit as the container's cgroup: its name already says where it
 * lives, which must be directly in the given slice. */
static int
slice_unit (const char *cp, const char *slice, const char *name, char **unit, char **path, skiff_error **err)
{
  cleanup_free char *parent = NULL, *mine = NULL;
  if (skiff_sd_expand_slice (slice, &parent, err) < 0 || skiff_sd_expand_slice (name, &mine, err) < 0)
    return skiff_error_wrap (err, "cgroupsPath `%s`", cp);
  cleanup_free char *want = xasprintf ("%s/%s", parent, name);
  if (strcmp (mine, want) != 0)
    return skiff_error_set (err, 0, "cgroupsPath `%s`: slice `%s` is not directly in `%s` "
                            "(a slice's name encodes its parents, e.g. system-foo.slice)", cp, name, slice);
  *unit = xstrdup (name);
  *path = take_ptr (&mine);
  return 0;
}

int
skiff_sd_unit_for (const char *cgroups_path, const char *id, char **unit, char **path, skiff_error **err)
{
  const char *cp = cgroups_path && *cgroups_path ? cgroups_path : NULL;
  cleanup_free char *slice = NULL, *prefix = NULL, *name = NULL;
  if (cp == NULL)
    {
      slice = xstrdup (DEFAULT_SLICE);
      prefix = xstrdup (DEFAULT_PREFIX);
      name = xstrdup (id);
    }
  else
    {
      const char *c1 = strchr (cp, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':') != NULL)
        return skiff_error_set (err, 0, "cgroupsPath `%s`: the systemd driver needs the form "
                                "`slice:prefix:name`", cp);
      slice = c1 > cp ? xstrndup (cp, c1 - cp) : xstrdup (DEFAULT_SLICE);
      prefix = xstrndup (c1 + 1, c2 - c1 - 1);
      name = xstrdup (c2[1] ? c2 + 1 : id);
    }
  const char *shown = cp ? cp : "(default)";
  if (ends_with (name, SLICE_SUFFIX))
    return slice_unit (shown, slice, name, unit, path, err);
  cleanup_free char *parent = NULL;
  if (skiff_sd_expand_slice (slice, &parent, err) < 0)
    return skiff_error_wrap (err, "cgroupsPath `%s`", shown);
  cleanup_free char *u = *prefix ? xasprintf ("%s-%s.scope", prefix, name) : xasprintf ("%s.scope", name);
  if (check_unit_name (shown, u, err) < 0)
    return -1;
  *path = xasprintf ("%s/%s", parent, u);
  *unit = take_ptr (&u);
  return 0;
}

char *
skiff_sd_parent_slice (const char *path)
{
  const char *last = strrchr (path, '/');
  if (last == NULL || last == path)
    return xstrdup ("-" SLICE_SUFFIX);
  const char *prev = last - 1;
  while (prev > path && *prev != '/')
    prev--;
  if (*prev == '/')
    prev++;
  return xstrndup (prev, last - prev);
}

void
skiff_sd_props_free (skiff_sd_props *p)
{
  for (size_t i = 0; i < p->n; i++)
    {
      free (p->v[i].name);
      free (p->v[i].str);
      free (p->v[i].bytes);
      strv_free (p->v[i].strv);
    }
  free (p->v);
  p->v = NULL;
  p->n = 0;
}

const skiff_sd_prop *
skiff_sd_props_find (const skiff_sd_props *p, const char *name)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->v[i].name, name) == 0)
      return &p->v[i];
  return NULL;
}
