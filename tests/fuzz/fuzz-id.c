/* Container ids and cgroup paths: an accepted id is a single safe path
 * component; an accepted cgroupsPath is absolute with no ".." component.
 * Input: the id, or after the first NUL byte, a cgroupsPath. */
#include "fuzz.h"

#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "skiff.h"

static bool
id_ok (const char *id)
{
  size_t n = strlen (id);
  if (n == 0 || n > 1024 || id[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!(strchr ("_+-.", id[i]) || (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z')
          || (id[i] >= '0' && id[i] <= '9')))
      return false;
  return true;
}

static bool
has_dotdot (const char *p)
{
  for (const char *c = p; (c = strstr (c, "..")) != NULL; c++)
    if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
      return true;
  return false;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = fuzz_strndup (data, size);
  const char *id = buf;
  size_t idlen = strlen (id);
  const char *cgpath = idlen < size ? buf + idlen + 1 : NULL;
  skiff_error *err = NULL;

  int r = skiff_validate_id (id, &err);
  FUZZ_CHECK ((r == 0) == id_ok (id), "validate_id(`%s`) = %d", id, r);
  FUZZ_CHECK ((r == 0) == (err == NULL), "validate_id: result and error disagree");
  skiff_error_clear (&err);

  oci_linux linux_ = { .cgroups_path = (char *)cgpath };
  char *out = NULL, *unit = NULL;
  if (skiff_cgroup_path_for (&linux_, id, false, &out, &unit, &err) == 0)
    {
      FUZZ_CHECK (out && out[0] == '/', "cgroup path `%s` is not absolute", out ? out : "(null)");
      FUZZ_CHECK (!has_dotdot (out), "cgroup path `%s` has a `..` component", out);
      if (cgpath == NULL || *cgpath == '\0')
        FUZZ_CHECK (strchr (id, '/') == NULL && *id, "id `%s` used in a cgroup path", id);
      free (out);
    }
  else
    FUZZ_CHECK (err != NULL && out == NULL, "failure without error");
  skiff_error_clear (&err);
  free (buf);
  return 0;
}
