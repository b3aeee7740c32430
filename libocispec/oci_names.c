/* Name tables shared by validation and the runtime: capabilities, rlimits,
 * namespace types; plus the oci_map lookup. */
#include <string.h>
#include <sys/resource.h>

#include "oci.h"

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

/* Indexed by capability number (linux/capability.h). Spelled out rather
 * than taken from kernel headers so that a build on old headers still knows
 * CAP_BPF & co., which configs from newer engines name. */
static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

int
oci_capability_from_name (const char *name)
{
  size_t i;

  for (i = 0; name && i < N_ELEMENTS (cap_names); i++)
    if (strcmp (cap_names[i], name) == 0)
      return (int) i;
  return -1;
}

const char *
oci_capability_name (int cap)
{
  if (cap < 0 || (size_t) cap >= N_ELEMENTS (cap_names))
    return NULL;
  return cap_names[cap];
}

int
oci_capability_last (void)
{
  return (int) N_ELEMENTS (cap_names) - 1;
}

/* Resource numbers come from libc: RLIMIT_NOFILE and friends differ between
 * architectures (alpha, mips, sparc). */
static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_STACK", RLIMIT_STACK },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int
oci_rlimit_from_name (const char *name)
{
  size_t i;

  for (i = 0; name && i < N_ELEMENTS (rlimits); i++)
    if (strcmp (rlimits[i].name, name) == 0)
      return rlimits[i].resource;
  return -1;
}

bool
oci_namespace_type_known (const char *type)
{
  static const char *const types[] = { "pid", "network", "mount", "ipc",
                                       "uts", "user",    "cgroup", "time" };
  size_t i;

  for (i = 0; type && i < N_ELEMENTS (types); i++)
    if (strcmp (types[i], type) == 0)
      return true;
  return false;
}

/* Last match wins, mirroring how a JSON object with a duplicated key is
 * read. */
const char *
oci_map_get (const oci_map *m, const char *key)
{
  size_t i;

  if (m == NULL || key == NULL)
    return NULL;
  for (i = m->len; i-- > 0;)
    if (m->keys[i] && strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}
