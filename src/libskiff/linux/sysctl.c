/* linux.sysctl and other writes under /proc, done by the container init
 * after pivot_root (so they land in the container's namespaces). */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "util.h"

int
skiff_procfs_write (const char *path, const char *data, skiff_error **err)
{
  /* O_NOFOLLOW + the fs magic check: the rootfs may be hostile, and a write
   * meant for procfs must never land in a file the container planted
   * (SECURITY.md, CVE-2019-16884 class). */
  cleanup_close int fd = open (path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `%s`", path);
  struct statfs sfs;
  if (fstatfs (fd, &sfs) < 0)
    return skiff_error_set (err, errno, "fstatfs `%s`", path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return skiff_error_set (err, EXDEV, "`%s` is not on procfs", path);
  int r = write_all (fd, data, strlen (data));
  if (r < 0)
    return skiff_error_set (err, -r, "write `%s`", path);
  return 0;
}

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward". Keys that
 * could walk out of /proc/sys are refused, not normalized. */
static int
sysctl_path (const char *key, char **out, skiff_error **err)
{
  if (*key == '\0' || strchr (key, '/') != NULL || strstr (key, "..") != NULL || *key == '.'
      || key[strlen (key) - 1] == '.')
    return skiff_error_set (err, EINVAL, "invalid sysctl key `%s`", key);
  char *p = xasprintf ("/proc/sys/%s", key);
  for (char *c = p + strlen ("/proc/sys/"); *c; c++)
    if (*c == '.')
      *c = '/';
  *out = p;
  return 0;
}

int
skiff_sysctl_apply (const oci_map *sysctl, skiff_error **err)
{
  if (sysctl == NULL)
    return 0;
  for (size_t i = 0; i < sysctl->len; i++)
    {
      cleanup_free char *path = NULL;
      if (sysctl_path (sysctl->keys[i], &path, err) < 0)
        return -1;
      const char *value = sysctl->values[i] ? sysctl->values[i] : "";
      if (skiff_procfs_write (path, value, err) < 0)
        return skiff_error_wrap (err, "sysctl `%s`", sysctl->keys[i]);
    }
  return 0;
}
