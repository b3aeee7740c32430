/* A fresh session keyring per container: without it every container would
 * share (and could read) the keys of the session the runtime runs in. */
#include "process.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Permission bits are not in the uapi headers, only in keyutils.h. */
#ifndef KEY_USR_SEARCH
#define KEY_USR_SEARCH 0x00080000
#endif

/* keyctl(2) has no glibc wrapper and we do not want libkeyutils for two calls. */
static long
keyctl2 (int op, unsigned long a2, unsigned long a3, unsigned long a4)
{
  return syscall (SYS_keyctl, op, a2, a3, a4, 0UL);
}

/* The new keyring is only possessor-searchable; let the user (the container
 * uid) search it too, the same permission change runc makes. The perm field
 * is the 4th ';'-separated field of KEYCTL_DESCRIBE (keyctl(2)). */
static int
keyring_allow_user_search (long id, skiff_error **err)
{
  char desc[512];
  long n = keyctl2 (KEYCTL_DESCRIBE, (unsigned long) id, (unsigned long) desc, sizeof desc);
  if (n < 0)
    return skiff_error_set (err, errno, "describe session keyring");
  desc[sizeof desc - 1] = '\0';
  const char *p = desc;
  for (int field = 0; field < 3 && p != NULL; field++)
    {
      p = strchr (p, ';');
      if (p)
        p++;
    }
  char *end = NULL;
  unsigned long perm = p ? strtoul (p, &end, 16) : 0;
  if (p == NULL || end == p || *end != ';')
    return skiff_error_set (err, EINVAL, "cannot parse keyring description `%s`", desc);
  perm |= KEY_USR_SEARCH;
  if (keyctl2 (KEYCTL_SETPERM, (unsigned long) id, perm, 0) < 0)
    return skiff_error_set (err, errno, "set session keyring permissions");
  return 0;
}

int
skiff_session_keyring_join (const char *id, skiff_error **err)
{
  cleanup_free char *name = xasprintf ("_ses.%s", id);
  long key = keyctl2 (KEYCTL_JOIN_SESSION_KEYRING, (unsigned long) name, 0, 0);
  if (key < 0)
    {
      /* Kernels built without CONFIG_KEYS: nothing to isolate (runc too). */
      if (errno == ENOSYS)
        return 0;
      return skiff_error_set (err, errno, "join session keyring `%s`", name);
    }
  return keyring_allow_user_search (key, err);
}
