/* The credential sequence of the container process, in the order SECURITY.md
 * fixes: bounding set, keepcaps, groups, gid, uid, capset, ambient. Every cap
 * set ends up exactly as the config says: nothing inherited from us. */
#include "process.h"

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

typedef struct
{
  uint64_t bounding, effective, permitted, inheritable, ambient;
} cap_masks;

/* Highest capability the running kernel knows. PR_CAPBSET_READ answers
 * EINVAL past it; asking the kernel avoids reading /proc after pivot_root
 * (SECURITY.md) and gives the same number as /proc/sys/kernel/cap_last_cap. */
static int
kernel_last_cap (void)
{
  int last = 0;
  while (last < 63 && prctl (PR_CAPBSET_READ, (unsigned long) last + 1, 0, 0, 0) >= 0)
    last++;
  return last;
}

/* Names to a bit mask. An unknown name is an error (validation should have
 * refused it); a cap the kernel does not support is ignored, as runc does. */
static int
caps_to_mask (char **names, size_t n, int last, const char *set, uint64_t *out, skiff_error **err)
{
  *out = 0;
  for (size_t i = 0; i < n; i++)
    {
      int cap = oci_capability_from_name (names[i]);
      if (cap < 0)
        return skiff_error_set (err, EINVAL, "unknown capability `%s` in the %s set", names[i], set);
      if (cap <= last)
        *out |= UINT64_C (1) << cap;
    }
  return 0;
}

static int
masks_from_config (const oci_capabilities *c, int last, cap_masks *m, skiff_error **err)
{
  *m = (cap_masks){ 0 };
  if (c == NULL)
    return 0;
  if (caps_to_mask (c->bounding, c->n_bounding, last, "bounding", &m->bounding, err) < 0
      || caps_to_mask (c->effective, c->n_effective, last, "effective", &m->effective, err) < 0
      || caps_to_mask (c->permitted, c->n_permitted, last, "permitted", &m->permitted, err) < 0
      || caps_to_mask (c->inheritable, c->n_inheritable, last, "inheritable", &m->inheritable, err) < 0
      || caps_to_mask (c->ambient, c->n_ambient, last, "ambient", &m->ambient, err) < 0)
    return -1;
  return 0;
}

static int
drop_bounding (uint64_t keep, int last, skiff_error **err)
{
  for (int cap = 0; cap <= last; cap++)
    {
      if (keep & (UINT64_C (1) << cap))
        continue;
      /* Already gone (e.g. we run under a limited bounding set): nothing to do. */
      if (prctl (PR_CAPBSET_READ, (unsigned long) cap, 0, 0, 0) == 0)
        continue;
      if (prctl (PR_CAPBSET_DROP, (unsigned long) cap, 0, 0, 0) < 0)
        return skiff_error_set (err, errno, "drop %s from the bounding set",
                                oci_capability_name (cap) ? oci_capability_name (cap) : "capability");
    }
  return 0;
}

static int
set_flag_from_mask (cap_t caps, cap_flag_t flag, uint64_t mask, int last)
{
  for (int cap = 0; cap <= last; cap++)
    if (mask & (UINT64_C (1) << cap))
      {
        cap_value_t v = cap;
        if (cap_set_flag (caps, flag, 1, &v, CAP_SET) < 0)
          return -1;
      }
  return 0;
}

static int
apply_capset (const cap_masks *m, int last, skiff_error **err)
{
  cap_t caps = cap_init (); /* all three sets empty */
  if (caps == NULL)
    return skiff_error_set (err, errno, "cap_init");
  int r = -1;
  if (set_flag_from_mask (caps, CAP_EFFECTIVE, m->effective, last) < 0
      || set_flag_from_mask (caps, CAP_PERMITTED, m->permitted, last) < 0
      || set_flag_from_mask (caps, CAP_INHERITABLE, m->inheritable, last) < 0)
    skiff_error_set (err, errno, "cap_set_flag");
  else if (cap_set_proc (caps) < 0)
    skiff_error_set (err, errno, "capset (effective must be a subset of permitted)");
  else
    r = 0;
  cap_free (caps);
  return r;
}

static int
apply_ambient (const cap_masks *m, int last, skiff_error **err)
{
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      /* Kernels before 4.3 have no ambient set: fine unless one was asked for. */
      if (errno == EINVAL && m->ambient == 0)
        return 0;
      return skiff_error_set (err, errno, "clear the ambient capabilities");
    }
  for (int cap = 0; cap <= last; cap++)
    {
      uint64_t bit = UINT64_C (1) << cap;
      if (!(m->ambient & bit))
        continue;
      /* The kernel only allows ambient caps that are permitted and
       * inheritable. runc and crun skip the others instead of failing
       * (`exec --cap` relies on it), so we do too. */
      if (!(m->permitted & bit) || !(m->inheritable & bit))
        continue;
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) cap, 0, 0) < 0)
        return skiff_error_set (err, errno, "raise ambient capability %s",
                                oci_capability_name (cap) ? oci_capability_name (cap) : "?");
    }
  return 0;
}

static int
apply_ids (const oci_user *u, skiff_error **err)
{
  uid_t uid = u && u->uid.set ? (uid_t) u->uid.value : 0;
  gid_t gid = u && u->gid.set ? (gid_t) u->gid.value : 0;
  size_t n = u ? u->n_additional_gids : 0;
  if (setgroups (n, n ? (const gid_t *) u->additional_gids : NULL) < 0)
    {
      /* In a user namespace with /proc/self/setgroups = "deny" setgroups is
       * EPERM even for its root (user_namespaces(7)). Dropping our groups is
       * then impossible anyway; we only refuse when groups were asked for.
       * Without CAP_SETGID the setresgid below fails and reports it. */
      if (!(errno == EPERM && n == 0))
        return skiff_error_set (err, errno, "setgroups (%zu additional gids)", n);
    }
  if (setresgid (gid, gid, gid) < 0)
    return skiff_error_set (err, errno, "setresgid %u", (unsigned) gid);
  if (setresuid (uid, uid, uid) < 0)
    return skiff_error_set (err, errno, "setresuid %u", (unsigned) uid);
  return 0;
}

int
skiff_credentials_apply (const oci_process *process, skiff_error **err)
{
  int last = kernel_last_cap ();
  cap_masks m;
  if (masks_from_config (process->capabilities, last, &m, err) < 0)
    return -1;
  if (drop_bounding (m.bounding, last, err) < 0)
    return -1;
  /* Keep the permitted set across setresuid to a non-zero uid so capset can
   * still install the configured sets afterwards (capabilities(7)). */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return skiff_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  if (apply_ids (process->user, err) < 0)
    return -1;
  if (apply_capset (&m, last, err) < 0 || apply_ambient (&m, last, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return skiff_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}
