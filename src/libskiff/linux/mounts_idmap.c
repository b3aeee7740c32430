/* Idmapped bind mounts: mount options "idmap"/"ridmap" and per-mount
 * uidMappings/gidMappings (runtime-spec config.md, Mounts).
 *
 * mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN in the user namespace
 * that owns the source's filesystem (the host's), which the container init
 * never has: it is cloned into the container's user namespace. So the
 * runtime makes a detached, idmapped copy of each source before clone
 * (open_tree(OPEN_TREE_CLONE) + mount_setattr), the init inherits the fd and
 * only attaches it inside the rootfs with move_mount. */
#include "mounts.h"
#include "idmap.h"
#include "safe_path.h"
#include "util.h"
#include "mount_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool
skiff_mount_is_idmapped (const oci_mount *m, const skiff_mount_opts *o)
{
  return o->idmap || m->n_uid_mappings || m->n_gid_mappings;
}

/* runc's rules, plus the spec's: bind mounts only, both mappings or none,
 * and a user namespace in the container. */
static int
check_idmapped (const oci_mount *m, const skiff_mount_opts *o, const char *dest, bool userns,
                skiff_error **err)
{
  const char *type = m->type ? m->type : "";
  if (!o->bind && strcmp (type, "bind") != 0)
    return skiff_error_set (err, 0,
                            "mount destination %s: idmapped mounts are only supported for bind mounts", dest);
  if (!m->n_uid_mappings != !m->n_gid_mappings)
    return skiff_error_set (err, 0,
                            "mount destination %s: uidMappings and gidMappings must be given together", dest);
  if (!userns)
    return skiff_error_set (
        err, 0, "mount destination %s: idmapped mounts need a user namespace in the container", dest);
  return 0;
}

/* Bind sources come from the config (trusted), relative ones from the bundle. */
static int
open_source (const oci_mount *m, const char *bundle, const char *dest, skiff_error **err)
{
  if (m->source == NULL || *m->source == '\0')
    return skiff_error_set (err, 0, "mount destination %s: bind mount without a source", dest);
  cleanup_free char *path =
      m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
  int fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "mount destination %s: open bind source `%s`", dest, path);
  return fd;
}

static int
no_new_mount_api (const char *dest, int errnum, skiff_error **err)
{
  return skiff_error_set (err, errnum,
                          "mount destination %s: idmapped mounts need open_tree(2) and "
                          "mount_setattr(2) (Linux 5.12)",
                          dest);
}

/* A detached copy of the source with the mapping of userns_fd applied. */
static int
idmapped_tree (const oci_mount *m, const skiff_mount_opts *o, const char *dest, const char *bundle,
               int userns_fd, skiff_error **err)
{
  cleanup_close int src = open_source (m, bundle, dest, err);
  if (src < 0)
    return -1;
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (o->recursive ? AT_RECURSIVE : 0);
  cleanup_close int tree = (int)syscall (SYS_open_tree, src, "", flags);
  /* EPERM too: a seccomp filter of an outer engine that does not know it. */
  if (tree < 0 && (errno == ENOSYS || errno == EPERM))
    return no_new_mount_api (dest, errno, err);
  if (tree < 0)
    return skiff_error_set (err, errno, "mount destination %s: open_tree `%s`", dest, m->source);
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
  unsigned at = AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0);
  if (syscall (SYS_mount_setattr, tree, "", at, &attr, sizeof attr) == 0)
    return take_fd (&tree);
  if (errno == ENOSYS)
    return no_new_mount_api (dest, errno, err);
  if (errno == EINVAL)
    return skiff_error_set (err, errno,
                            "mount destination %s: source `%s`: its filesystem%s does not support "
                            "idmapped mounts",
                            dest, m->source, o->idmap_recursive ? " (or one below it)" : "");
  return skiff_error_set (err, errno, "mount destination %s: idmap `%s`", dest, m->source);
}

/* The user namespace whose mapping a mount gets: its own mappings, else the
 * container's (a joined namespace as it is, a new one from linux.*Mappings). */
static int
mapping_userns (const oci_mount *m, const oci_linux *lx, int joined_userns, int *owned, skiff_error **err)
{
  if (m->n_uid_mappings)
    return skiff_userns_from_maps (m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings,
                                   owned, err);
  if (joined_userns >= 0)
    return 0;
  return skiff_userns_from_maps (lx->uid_mappings, lx->n_uid_mappings, lx->gid_mappings, lx->n_gid_mappings,
                                 owned, err);
}

static int
prepare_one (const oci_spec *spec, const oci_mount *m, const char *bundle, bool userns, int joined_userns,
             int *out, skiff_error **err)
{
  skiff_mount_opts o;
  if (skiff_mount_opts_parse (m->options, m->n_options, &o, err) < 0)
    return -1;
  int r = 0;
  if (skiff_mount_is_idmapped (m, &o))
    {
      cleanup_free char *dest = safe_path_clean (m->destination ? m->destination : "");
      cleanup_close int owned = -1;
      r = check_idmapped (m, &o, dest, userns, err);
      if (r == 0 && mapping_userns (m, spec->linux_, joined_userns, &owned, err) < 0)
        r = skiff_error_wrap (err, "mount destination %s: user namespace for the idmapping", dest);
      if (r == 0 && (*out = idmapped_tree (m, &o, dest, bundle, owned >= 0 ? owned : joined_userns, err)) < 0)
        r = -1;
    }
  skiff_mount_opts_free (&o);
  return r;
}

int
skiff_idmap_mounts_prepare (const oci_spec *spec, const char *bundle, bool userns, int joined_userns,
                            int **fds, skiff_error **err)
{
  *fds = NULL;
  if (spec->n_mounts == 0)
    return 0;
  int *v = xmalloc (spec->n_mounts * sizeof *v);
  for (size_t i = 0; i < spec->n_mounts; i++)
    v[i] = -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (prepare_one (spec, &spec->mounts[i], bundle, userns, joined_userns, &v[i], err) < 0)
      {
        skiff_idmap_mounts_close (v, spec->n_mounts);
        return -1;
      }
  *fds = v;
  return 0;
}

void
skiff_idmap_mounts_close (int *fds, size_t n)
{
  if (fds == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}

int
skiff_idmap_mount_attach (int tree, int rootfd, const char *rootpath, const char *dest, skiff_error **err)
{
  struct stat st;
  if (fstat (tree, &st) < 0)
    return skiff_error_set (err, errno, "mount destination %s: stat idmapped source", dest);
  cleanup_close int target = safe_path_create_target (rootfd, dest, S_ISDIR (st.st_mode), err);
  if (target < 0)
    return skiff_error_wrap (err, "mount destination %s", dest);
  if (skiff_mount_check_dest (target, rootpath, dest, "bind", err) < 0)
    return -1;
  return mount_move_fd (tree, "the idmapped source", target, dest, err);
}
