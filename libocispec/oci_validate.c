/* Semantic validation of config.json: catch values a Linux runtime would act
 * on wrongly or fail on half-way through container setup, and report them
 * up front with the JSON path. Deliberately no stricter than runc where
 * runc tolerates something engines send (e.g. relative mount destinations,
 * which runtime-spec 1.2 allows). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

static int __attribute__ ((format (printf, 2, 3)))
verr (char **errmsg, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (errmsg && vasprintf (errmsg, fmt, ap) < 0)
    *errmsg = NULL;
  va_end (ap);
  return -1;
}

/* NULL-terminated word lists. */
static bool
in_list (const char *s, const char *const *list)
{
  for (; s && *list; list++)
    if (strcmp (s, *list) == 0)
      return true;
  return false;
}

static const char *const seccomp_actions[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
  NULL,
};
static const char *const seccomp_ops[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};
static const char *const seccomp_arches[] = {
  "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",      "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};
static const char *const seccomp_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};
static const char *const propagations[] = {
  "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL,
};
static const char *const io_classes[] = {
  "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL,
};
static const char *const sched_policies[] = {
  "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
  "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};
static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };
static const char *const time_clocks[] = { "boottime", "monotonic", NULL };

static int
check_abs_path (const char *path, const char *where, char **errmsg)
{
  if (path == NULL || *path == '\0')
    return verr (errmsg, "%s: missing", where);
  if (path[0] != '/')
    return verr (errmsg, "%s: must be an absolute path, got \"%s\"", where, path);
  return 0;
}

static int
check_caps (const oci_capabilities *c, char **errmsg)
{
  const struct
  {
    const char *name;
    char *const *v;
    size_t n;
  } sets[] = {
    { "bounding", c->bounding, c->n_bounding },    { "effective", c->effective, c->n_effective },
    { "inheritable", c->inheritable, c->n_inheritable },
    { "permitted", c->permitted, c->n_permitted }, { "ambient", c->ambient, c->n_ambient },
  };
  size_t s, i;

  for (s = 0; s < sizeof (sets) / sizeof (sets[0]); s++)
    for (i = 0; i < sets[s].n; i++)
      if (oci_capability_from_name (sets[s].v[i]) < 0)
        return verr (errmsg, "process.capabilities.%s[%zu]: unknown capability \"%s\"",
                     sets[s].name, i, sets[s].v[i]);
  return 0;
}

static int
check_rlimits (const oci_process *p, char **errmsg)
{
  size_t i;

  for (i = 0; i < p->n_rlimits; i++)
    {
      const oci_rlimit *r = &p->rlimits[i];

      if (r->type == NULL)
        return verr (errmsg, "process.rlimits[%zu].type: missing", i);
      if (oci_rlimit_from_name (r->type) < 0)
        return verr (errmsg, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i, r->type);
      if (r->soft.value > r->hard.value)
        return verr (errmsg, "process.rlimits[%zu]: soft limit %llu exceeds hard limit %llu", i,
                     (unsigned long long) r->soft.value, (unsigned long long) r->hard.value);
    }
  return 0;
}

static int
check_scheduling (const oci_process *p, char **errmsg)
{
  if (p->io_priority && !in_list (p->io_priority->class_, io_classes))
    return verr (errmsg, "process.ioPriority.class: unknown class \"%s\"",
                 p->io_priority->class_ ? p->io_priority->class_ : "");
  if (p->scheduler && !in_list (p->scheduler->policy, sched_policies))
    return verr (errmsg, "process.scheduler.policy: unknown policy \"%s\"",
                 p->scheduler->policy ? p->scheduler->policy : "");
  return 0;
}

static int
check_process (const oci_process *p, char **errmsg)
{
  if (p->n_args == 0)
    return verr (errmsg, "process.args: must not be empty");
  if (check_abs_path (p->cwd, "process.cwd", errmsg) < 0)
    return -1;
  if (p->capabilities && check_caps (p->capabilities, errmsg) < 0)
    return -1;
  if (check_rlimits (p, errmsg) < 0)
    return -1;
  return check_scheduling (p, errmsg);
}

static int
check_mounts (const oci_spec *s, char **errmsg)
{
  size_t i;

  /* Relative destinations are allowed (runtime-spec 1.2, runc warns and
   * resolves them against "/"), so only presence is required. */
  for (i = 0; i < s->n_mounts; i++)
    if (s->mounts[i].destination == NULL || s->mounts[i].destination[0] == '\0')
      return verr (errmsg, "mounts[%zu].destination: missing", i);
  return 0;
}

static int
check_hook_list (const char *name, const oci_hook *h, size_t n, char **errmsg)
{
  char where[64];
  size_t i;

  for (i = 0; i < n; i++)
    {
      snprintf (where, sizeof (where), "hooks.%s[%zu].path", name, i);
      if (check_abs_path (h[i].path, where, errmsg) < 0)
        return -1;
    }
  return 0;
}

static int
check_hooks (const oci_hooks *h, char **errmsg)
{
  if (check_hook_list ("prestart", h->prestart, h->n_prestart, errmsg) < 0
      || check_hook_list ("createRuntime", h->create_runtime, h->n_create_runtime, errmsg) < 0
      || check_hook_list ("createContainer", h->create_container, h->n_create_container, errmsg)
             < 0
      || check_hook_list ("startContainer", h->start_container, h->n_start_container, errmsg) < 0
      || check_hook_list ("poststart", h->poststart, h->n_poststart, errmsg) < 0
      || check_hook_list ("poststop", h->poststop, h->n_poststop, errmsg) < 0)
    return -1;
  return 0;
}

static bool
has_namespace (const oci_linux *l, const char *type)
{
  size_t i;

  for (i = 0; l && i < l->n_namespaces; i++)
    if (l->namespaces[i].type && strcmp (l->namespaces[i].type, type) == 0)
      return true;
  return false;
}

static int
check_namespaces (const oci_linux *l, char **errmsg)
{
  size_t i, j;

  for (i = 0; i < l->n_namespaces; i++)
    {
      const char *t = l->namespaces[i].type;

      if (t == NULL)
        return verr (errmsg, "linux.namespaces[%zu].type: missing", i);
      if (!oci_namespace_type_known (t))
        return verr (errmsg, "linux.namespaces[%zu].type: unknown namespace \"%s\"", i, t);
      for (j = 0; j < i; j++)
        if (strcmp (l->namespaces[j].type, t) == 0)
          return verr (errmsg, "linux.namespaces[%zu].type: duplicate namespace \"%s\"", i, t);
    }
  if ((l->n_uid_mappings || l->n_gid_mappings) && !has_namespace (l, "user"))
    return verr (errmsg, "linux.%s: requires a user namespace",
                 l->n_uid_mappings ? "uidMappings" : "gidMappings");
  if (l->n_time_offsets && !has_namespace (l, "time"))
    return verr (errmsg, "linux.timeOffsets: requires a time namespace");
  for (i = 0; i < l->n_time_offsets; i++)
    if (!in_list (l->time_offsets[i].name, time_clocks))
      return verr (errmsg, "linux.timeOffsets.%s: unknown clock \"%s\"",
                   l->time_offsets[i].name, l->time_offsets[i].name);
  return 0;
}

static int
check_devices (const oci_linux *l, char **errmsg)
{
  static const char *const types[] = { "c", "b", "u", "p", NULL };
  char where[64];
  size_t i;

  for (i = 0; i < l->n_devices; i++)
    {
      const oci_device *d = &l->devices[i];

      if (!in_list (d->type, types))
        return verr (errmsg, "linux.devices[%zu].type: unknown device type \"%s\"", i,
                     d->type ? d->type : "");
      snprintf (where, sizeof (where), "linux.devices[%zu].path", i);
      if (check_abs_path (d->path, where, errmsg) < 0)
        return -1;
    }
  return 0;
}

static int
check_device_rules (const oci_resources *r, char **errmsg)
{
  static const char *const types[] = { "a", "c", "b", NULL };
  size_t i;

  for (i = 0; i < r->n_devices; i++)
    {
      const oci_device_cgroup *d = &r->devices[i];

      if (d->type && !in_list (d->type, types))
        return verr (errmsg, "linux.resources.devices[%zu].type: unknown device type \"%s\"", i,
                     d->type);
      if (d->access && d->access[strspn (d->access, "rwm")] != '\0')
        return verr (errmsg, "linux.resources.devices[%zu].access: invalid access \"%s\"", i,
                     d->access);
    }
  return 0;
}

/* A ".." component would let the config escape the cgroup root it is
 * placed under. */
static int
check_cgroups_path (const char *path, char **errmsg)
{
  const char *p = path;

  while (p && *p)
    {
      size_t n = strcspn (p, "/");

      if (n == 2 && p[0] == '.' && p[1] == '.')
        return verr (errmsg, "linux.cgroupsPath: must not contain \"..\" components, got \"%s\"",
                     path);
      p += n;
      p += strspn (p, "/");
    }
  return 0;
}

static int
check_syscalls (const oci_seccomp *s, char **errmsg)
{
  size_t i, j;

  for (i = 0; i < s->n_syscalls; i++)
    {
      const oci_syscall *sc = &s->syscalls[i];

      if (sc->n_names == 0)
        return verr (errmsg, "linux.seccomp.syscalls[%zu].names: must not be empty", i);
      if (!in_list (sc->action, seccomp_actions))
        return verr (errmsg, "linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", i,
                     sc->action ? sc->action : "");
      for (j = 0; j < sc->n_args; j++)
        if (!in_list (sc->args[j].op, seccomp_ops))
          return verr (errmsg, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
                       i, j, sc->args[j].op ? sc->args[j].op : "");
    }
  return 0;
}

static int
check_seccomp (const oci_seccomp *s, char **errmsg)
{
  size_t i;

  if (!in_list (s->default_action, seccomp_actions))
    return verr (errmsg, "linux.seccomp.defaultAction: unknown action \"%s\"",
                 s->default_action ? s->default_action : "");
  for (i = 0; i < s->n_architectures; i++)
    if (!in_list (s->architectures[i], seccomp_arches))
      return verr (errmsg, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                   s->architectures[i]);
  for (i = 0; i < s->n_flags; i++)
    if (!in_list (s->flags[i], seccomp_flags))
      return verr (errmsg, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
  return check_syscalls (s, errmsg);
}

static int
check_linux_misc (const oci_linux *l, char **errmsg)
{
  size_t i;

  if (l->rootfs_propagation && !in_list (l->rootfs_propagation, propagations))
    return verr (errmsg, "linux.rootfsPropagation: unknown propagation \"%s\"",
                 l->rootfs_propagation);
  for (i = 0; i < l->sysctl.len; i++)
    if (l->sysctl.keys[i] == NULL || l->sysctl.keys[i][0] == '\0')
      return verr (errmsg, "linux.sysctl: empty key");
  if (l->personality && !in_list (l->personality->domain, personality_domains))
    return verr (errmsg, "linux.personality.domain: unknown domain \"%s\"",
                 l->personality->domain ? l->personality->domain : "");
  return check_cgroups_path (l->cgroups_path, errmsg);
}

static int
check_linux (const oci_linux *l, char **errmsg)
{
  if (check_namespaces (l, errmsg) < 0 || check_devices (l, errmsg) < 0)
    return -1;
  if (l->resources && check_device_rules (l->resources, errmsg) < 0)
    return -1;
  if (l->seccomp && check_seccomp (l->seccomp, errmsg) < 0)
    return -1;
  return check_linux_misc (l, errmsg);
}

int
oci_spec_validate (const oci_spec *spec, char **errmsg)
{
  if (errmsg)
    *errmsg = NULL;
  if (spec == NULL)
    return verr (errmsg, "no configuration");
  if (spec->oci_version == NULL || spec->oci_version[0] == '\0')
    return verr (errmsg, "ociVersion: missing");
  if (spec->root == NULL || spec->root->path == NULL || spec->root->path[0] == '\0')
    return verr (errmsg, "root.path: missing");
  if (spec->process && check_process (spec->process, errmsg) < 0)
    return -1;
  if (check_mounts (spec, errmsg) < 0)
    return -1;
  if (spec->hooks && check_hooks (spec->hooks, errmsg) < 0)
    return -1;
  if (spec->linux_ && check_linux (spec->linux_, errmsg) < 0)
    return -1;
  return 0;
}
