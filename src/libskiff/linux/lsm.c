#include "lsm.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "util.h"

static const char *
set_or_null (const char *s)
{
  return s && *s ? s : NULL;
}

static int
prepare_selinux (skiff_lsm *lsm, const skiff_lsm_backend *b, skiff_error **err)
{
  /* Cheap first: a host without selinuxfs never loads the library. */
  if (!b->selinux_kernel ())
    return 0;
  if (b->selinux_load (&lsm->se, err) < 0)
    return -1;
  lsm->selinux = lsm->se.is_enabled () == 1;
  return 0;
}

static int
prepare_apparmor (skiff_lsm *lsm, const skiff_lsm_backend *b, skiff_error **err)
{
  if (!b->apparmor_kernel ())
    return 0;
  if (b->apparmor_load (&lsm->aa, err) < 0)
    return -1;
  lsm->apparmor = lsm->aa.is_enabled () == 1;
  return 0;
}

int
skiff_lsm_prepare (skiff_lsm *lsm, const skiff_lsm_backend *b, const char *selinux_label,
                   const char *apparmor_profile, const char *mount_label, skiff_error **err)
{
  memset (lsm, 0, sizeof *lsm);
  lsm->exec_label = set_or_null (selinux_label);
  lsm->apparmor_profile = set_or_null (apparmor_profile);
  lsm->mount_label = set_or_null (mount_label);
  /* The mount label alone needs the library only to label an mqueue mount
   * as a file; its context= option is plain text for the kernel. */
  if ((lsm->exec_label || lsm->mount_label) && prepare_selinux (lsm, b, err) < 0)
    return skiff_error_wrap (err, "%s", lsm->exec_label ? "process.selinuxLabel" : "linux.mountLabel");
  if (lsm->exec_label && !lsm->selinux)
    return skiff_error_set (err, 0,
                            "process.selinuxLabel `%s`: SELinux is disabled or not supported on this host",
                            lsm->exec_label);
  if (lsm->apparmor_profile && prepare_apparmor (lsm, b, err) < 0)
    return skiff_error_wrap (err, "process.apparmorProfile");
  /* runc writes the profile to attr/exec regardless and the kernel refuses
   * it; refusing here says why, before anything exists. */
  if (lsm->apparmor_profile && !lsm->apparmor)
    return skiff_error_set (
        err, 0, "process.apparmorProfile `%s`: AppArmor is disabled or not supported on this host",
        lsm->apparmor_profile);
  return 0;
}

/* The libraries write /proc/thread-self/attr/... (or /proc/<tid>/attr/...)
 * by path, inside the container. An image without a /proc mount could put
 * a plain file there and the label would silently not be applied
 * (CVE-2019-16884): only go on when /proc is a real procfs. */
static int
check_attr_procfs (const char *what, skiff_error **err)
{
  struct statfs sfs;
  if (statfs ("/proc/thread-self/attr", &sfs) < 0)
    return skiff_error_set (err, errno, "%s: `/proc/thread-self/attr`", what);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return skiff_error_set (err, EXDEV, "%s: `/proc` is not procfs, the label would not be applied", what);
  return 0;
}

int
skiff_lsm_keyring_label (const skiff_lsm *lsm, bool set, skiff_error **err)
{
  if (lsm == NULL || lsm->exec_label == NULL || !lsm->selinux)
    return 0;
  const char *label = set ? lsm->exec_label : NULL;
  if (check_attr_procfs ("SELinux keyring label", err) < 0)
    return -1;
  if (lsm->se.setkeycreatecon (label) < 0)
    {
      if (set)
        return skiff_error_set (err, errno, "set SELinux keyring label `%s`", label);
      return skiff_error_set (err, errno, "reset SELinux keyring label");
    }
  return 0;
}

int
skiff_lsm_exec_labels (const skiff_lsm *lsm, skiff_error **err)
{
  if (lsm == NULL || (lsm->exec_label == NULL && lsm->apparmor_profile == NULL))
    return 0;
  /* prepare refused labels the host cannot apply; a label without its
   * library here is a bug, not something to skip. */
  if ((lsm->exec_label && !lsm->selinux) || (lsm->apparmor_profile && !lsm->apparmor))
    return skiff_error_set (err, EINVAL, "process label: the LSM library was not loaded");
  if (check_attr_procfs ("process label", err) < 0)
    return -1;
  if (lsm->exec_label && lsm->se.setexeccon (lsm->exec_label) < 0)
    return skiff_error_set (err, errno, "set SELinux exec label `%s`", lsm->exec_label);
  if (lsm->apparmor_profile && lsm->aa.change_onexec (lsm->apparmor_profile) < 0)
    return skiff_error_set (err, errno, "set AppArmor profile `%s` for exec", lsm->apparmor_profile);
  return 0;
}

bool
skiff_lsm_mount_labelled (const char *type)
{
  static const char *const unlabelled[] = { "bind", "proc", "sysfs", "mqueue", "cgroup", "cgroup2" };
  if (type == NULL || *type == '\0')
    return false;
  for (size_t i = 0; i < sizeof unlabelled / sizeof unlabelled[0]; i++)
    if (strcmp (type, unlabelled[i]) == 0)
      return false;
  return true;
}

/* Is key one of data's comma-separated options? The kernel splits mount
 * data on commas outside double quotes, so do we. */
static bool
data_has_option (const char *data, const char *key)
{
  size_t klen = strlen (key);
  const char *p = data;
  while (p && *p)
    {
      if (strncmp (p, key, klen) == 0 && (p[klen] == '=' || p[klen] == ',' || p[klen] == '\0'))
        return true;
      bool quoted = false;
      for (; *p && (quoted || *p != ','); p++)
        if (*p == '"')
          quoted = !quoted;
      if (*p == ',')
        p++;
    }
  return false;
}

int
skiff_lsm_mount_data (const char *data, const char *label, char **out, skiff_error **err)
{
  *out = NULL;
  bool have_data = data && *data;
  if (label == NULL || *label == '\0' || (have_data && data_has_option (data, "context")))
    {
      *out = have_data ? xstrdup (data) : NULL;
      return 0;
    }
  /* The kernel has no escape inside quotes. */
  if (strchr (label, '"'))
    return skiff_error_set (err, EINVAL,
                            "linux.mountLabel `%s`: a label containing '\"' cannot be a mount option", label);
  *out = have_data ? xasprintf ("%s,context=\"%s\"", data, label) : xasprintf ("context=\"%s\"", label);
  return 0;
}

int
skiff_lsm_mount_failed (const skiff_lsm *lsm, skiff_error **err)
{
  if (lsm && lsm->mount_label && !lsm->selinux && *err && (*err)->errnum == EINVAL)
    return skiff_error_wrap (err, "linux.mountLabel `%s` (context= needs SELinux, which is disabled)",
                             lsm->mount_label);
  return -1;
}

int
skiff_lsm_mqueue_label (const skiff_lsm *lsm, const char *path, skiff_error **err)
{
  if (lsm == NULL || lsm->mount_label == NULL || !lsm->selinux)
    return 0;
  if (lsm->se.setfilecon (path, lsm->mount_label) < 0)
    return skiff_error_set (err, errno, "set SELinux label `%s` on the mqueue mount", lsm->mount_label);
  return 0;
}
