#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

int
skiff_bundle_load (const char *bundle, const char *config_path, const char *what, skiff_bundle *out,
                   skiff_error **err)
{
  memset (out, 0, sizeof *out);
  char resolved[PATH_MAX];
  const char *b = bundle && *bundle ? bundle : ".";
  if (realpath (b, resolved) == NULL)
    return skiff_error_set (err, errno, "bundle `%s`", b);
  out->dir = xstrdup (resolved);
  cleanup_free char *cfg = config_path ? xstrdup (config_path) : xasprintf ("%s/config.json", out->dir);
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, cfg, &text, &len, err) < 0)
    return -1;
  cleanup_free char *msg = NULL;
  if (oci_spec_parse (text, len, &out->spec, &msg) < 0 || oci_spec_validate (out->spec, &msg) < 0)
    return skiff_error_set (err, 0, "%s: %s", cfg, msg ? msg : "invalid");
  if (out->spec->process == NULL)
    return skiff_error_set (err, 0, "%s: process: required to %s a container", cfg, what);
  const char *root = out->spec->root->path;
  cleanup_free char *abs = root[0] == '/' ? xstrdup (root) : xasprintf ("%s/%s", out->dir, root);
  if (realpath (abs, resolved) == NULL)
    return skiff_error_set (err, errno, "rootfs `%s`", abs);
  out->rootfs = xstrdup (resolved);
  return 0;
}

void
skiff_bundle_release (skiff_bundle *b)
{
  oci_spec_free (b->spec);
  free (b->dir);
  free (b->rootfs);
  memset (b, 0, sizeof *b);
}

oci_state *
skiff_bundle_state (const skiff_bundle *b, const char *id, const char *status, pid_t pid)
{
  oci_state *s = xzalloc (sizeof *s);
  s->oci_version = xstrdup (b->spec->oci_version);
  s->id = xstrdup (id);
  s->status = xstrdup (status);
  s->pid.value = pid;
  s->pid.set = true;
  s->bundle = xstrdup (b->dir);
  s->rootfs = xstrdup (b->rootfs);
  s->created = skiff_now_rfc3339 ();
  /* runc leaves it empty in state.json; `list` names the state dir's owner. */
  s->owner = xstrdup ("");
  const oci_map *an = &b->spec->annotations;
  if (an->len)
    {
      s->annotations.len = an->len;
      s->annotations.keys = xzalloc (an->len * sizeof (char *));
      s->annotations.values = xzalloc (an->len * sizeof (char *));
      for (size_t i = 0; i < an->len; i++)
        {
          s->annotations.keys[i] = xstrdup (an->keys[i]);
          s->annotations.values[i] = xstrdup (an->values[i]);
        }
    }
  return s;
}
