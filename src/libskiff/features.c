/* The runtime-spec "features" document: what this build of skiff can do, so
 * engines can decide before they write a config.json we would reject. Every
 * list here must stay in step with the code that acts on it. */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "criu.h"
#include "skiff.h"
#include "util.h"


#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

static const char *const hooks[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* The options our mount code understands (flags, propagation, recursive
 * mount_setattr variants, idmapped bind mounts). */
static const char *const mount_options[] = {
  "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async", "dirsync",
  "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime",
  "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime", "silent", "loud",
  "bind", "rbind", "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
  "runbindable", "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec",
  "rnoatime", "ratime", "rrelatime", "rnorelatime", "rstrictatime", "rnodiratime", "rdiratime",
  "nosymfollow", "rnosymfollow", "rsymfollow", "idmap", "ridmap",
};

static const char *const namespaces[] = {
  "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
};

static const char *const seccomp_actions[] = {
  "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
};

static const char *const seccomp_operators[] = {
  "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
  "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

/* Candidates; only those the linked libseccomp resolves are advertised, since
 * a config naming an arch libseccomp does not know would fail at create. */
static const struct { const char *oci; const char *scmp; } seccomp_archs[] = {
  { "SCMP_ARCH_AARCH64", "aarch64" },         { "SCMP_ARCH_ARM", "arm" },
  { "SCMP_ARCH_LOONGARCH64", "loongarch64" }, { "SCMP_ARCH_M68K", "m68k" },
  { "SCMP_ARCH_MIPS", "mips" },               { "SCMP_ARCH_MIPS64", "mips64" },
  { "SCMP_ARCH_MIPS64N32", "mips64n32" },     { "SCMP_ARCH_MIPSEL", "mipsel" },
  { "SCMP_ARCH_MIPSEL64", "mipsel64" },       { "SCMP_ARCH_MIPSEL64N32", "mipsel64n32" },
  { "SCMP_ARCH_PARISC", "parisc" },           { "SCMP_ARCH_PARISC64", "parisc64" },
  { "SCMP_ARCH_PPC", "ppc" },                 { "SCMP_ARCH_PPC64", "ppc64" },
  { "SCMP_ARCH_PPC64LE", "ppc64le" },         { "SCMP_ARCH_RISCV64", "riscv64" },
  { "SCMP_ARCH_S390", "s390" },               { "SCMP_ARCH_S390X", "s390x" },
  { "SCMP_ARCH_SH", "sh" },                   { "SCMP_ARCH_SHEB", "sheb" },
  { "SCMP_ARCH_X32", "x32" },                 { "SCMP_ARCH_X86", "x86" },
  { "SCMP_ARCH_X86_64", "x86_64" },
};

static const char *const seccomp_known_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* TSYNC, LOG and SPEC_ALLOW map to filter attributes libseccomp >= 2.5 (our
 * configure minimum) has. skiff loads the filters itself, so
 * WAIT_KILLABLE_RECV needs only the kernel (5.19), asked at run time. */
static const char *const seccomp_supported_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* A kernel that knows the flag checks the program pointer next: EFAULT
 * for NULL, where one that does not says EINVAL (no filter is loaded). */
static bool
kernel_has_wait_killable_recv (void)
{
  unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

static size_t
n_supported_flags (void)
{
  size_t n = ARRAY_LEN (seccomp_supported_flags);

  if (!kernel_has_wait_killable_recv ())
    n--; /* drop WAIT_KILLABLE_RECV, the last entry */
  return n;
}

static char **
strv_copy (const char *const *src, size_t n, size_t *n_out)
{
  char **v = xzalloc ((n + 1) * sizeof (char *));
  size_t i;

  for (i = 0; i < n; i++)
    v[i] = xstrdup (src[i]);
  *n_out = n;
  return v;
}

static oci_features_enabled *
enabled (bool on)
{
  oci_features_enabled *e = xzalloc (sizeof (*e));

  e->enabled = (oci_bool){ on, true };
  return e;
}

static char **
capability_names (size_t *n_out)
{
  int last = oci_capability_last ();
  char **v = xzalloc ((size_t) (last + 2) * sizeof (char *));
  size_t n = 0;
  int cap;

  for (cap = 0; cap <= last; cap++)
    {
      const char *name = oci_capability_name (cap);
      if (name)
        v[n++] = xstrdup (name);
    }
  *n_out = n;
  return v;
}

static oci_features_seccomp *
seccomp_features (void)
{
  oci_features_seccomp *s = xzalloc (sizeof (*s));
  size_t i;

  s->enabled = (oci_bool){ true, true };
  s->actions = strv_copy (seccomp_actions, ARRAY_LEN (seccomp_actions), &s->n_actions);
  s->operators = strv_copy (seccomp_operators, ARRAY_LEN (seccomp_operators), &s->n_operators);
  s->archs = xzalloc ((ARRAY_LEN (seccomp_archs) + 1) * sizeof (char *));
  for (i = 0; i < ARRAY_LEN (seccomp_archs); i++)
    if (seccomp_arch_resolve_name (seccomp_archs[i].scmp) != 0)
      s->archs[s->n_archs++] = xstrdup (seccomp_archs[i].oci);
  s->known_flags = strv_copy (seccomp_known_flags, ARRAY_LEN (seccomp_known_flags), &s->n_known_flags);
  s->supported_flags = strv_copy (seccomp_supported_flags, n_supported_flags (), &s->n_supported_flags);
  return s;
}

static oci_features_linux *
linux_features (void)
{
  oci_features_linux *l = xzalloc (sizeof (*l));

  l->namespaces = strv_copy (namespaces, ARRAY_LEN (namespaces), &l->n_namespaces);
  l->capabilities = capability_names (&l->n_capabilities);
  l->cgroup = xzalloc (sizeof (*l->cgroup));
  l->cgroup->v1 = (oci_bool){ true, true };
  l->cgroup->v2 = (oci_bool){ true, true };
  /* The systemd driver needs sd-bus's headers at build time (libsystemd
   * itself is loaded when used); the user manager is not supported. */
#ifdef HAVE_SYSTEMD
  l->cgroup->systemd = (oci_bool){ true, true };
#else
  l->cgroup->systemd = (oci_bool){ false, true };
#endif
  l->cgroup->systemd_user = (oci_bool){ false, true };
  l->cgroup->rdma = (oci_bool){ true, true };
  l->seccomp = seccomp_features ();
#ifdef HAVE_APPARMOR
  l->apparmor = enabled (true);
#else
  l->apparmor = enabled (false);
#endif
#ifdef HAVE_SELINUX
  l->selinux = enabled (true);
#else
  l->selinux = enabled (false);
#endif
  l->intel_rdt = enabled (false);
  l->mount_extensions = xzalloc (sizeof (*l->mount_extensions));
  /* Bind mounts with "idmap"/"ridmap" or their own uidMappings/gidMappings,
   * through mount_setattr(MOUNT_ATTR_IDMAP) (mounts_idmap.c). */
  l->mount_extensions->idmap = enabled (true);
  return l;
}

static void
map_add (oci_map *m, const char *key, const char *value)
{
  m->keys = xrealloc (m->keys, (m->len + 1) * sizeof (char *));
  m->values = xrealloc (m->values, (m->len + 1) * sizeof (char *));
  m->keys[m->len] = xstrdup (key);
  m->values[m->len] = xstrdup (value);
  m->len++;
}

static void
add_annotations (oci_map *m)
{
  const struct scmp_version *v = seccomp_version ();
  cleanup_free char *scmp = NULL;

  if (v)
    {
      scmp = xasprintf ("%u.%u.%u", v->major, v->minor, v->micro);
      map_add (m, "io.github.seccomp.libseccomp.version", scmp);
    }
  /* Whether checkpoint can work here: criu present and `criu check` passing. */
  map_add (m, "io.github.skiff.checkpoint.enabled", skiff_criu_usable () ? "true" : "false");
  map_add (m, "io.github.skiff.commit", SKIFF_GIT_COMMIT);
  map_add (m, "io.github.skiff.version", PACKAGE_VERSION);
}

oci_features *
skiff_features (void)
{
  oci_features *f = xzalloc (sizeof (*f));

  f->oci_version_min = xstrdup ("1.0.0");
  f->oci_version_max = xstrdup (SKIFF_OCI_VERSION);
  f->hooks = strv_copy (hooks, ARRAY_LEN (hooks), &f->n_hooks);
  f->mount_options = strv_copy (mount_options, ARRAY_LEN (mount_options), &f->n_mount_options);
  f->linux_ = linux_features ();
  add_annotations (&f->annotations);
  return f;
}

/* Shown by --version, crun style. SECCOMP and CAP are hard build
 * dependencies (configure fails without them); idmapped mounts are built in
 * (the kernel may still refuse them: Linux 5.12, and per filesystem). CRIU
 * says whether checkpoint can work on this host, so it runs `criu check`
 * (only --version calls this). */
#define FEATURE_TAGS_BASE                                                      \
  "+SECCOMP +CAP" FEATURE_TAG_SYSTEMD FEATURE_TAG_SELINUX FEATURE_TAG_APPARMOR \
  " +CGROUPV1 +CGROUPV2"
#ifdef HAVE_SYSTEMD
#define FEATURE_TAG_SYSTEMD " +SYSTEMD"
#else
#define FEATURE_TAG_SYSTEMD " -SYSTEMD"
#endif
#ifdef HAVE_SELINUX
#define FEATURE_TAG_SELINUX " +SELINUX"
#else
#define FEATURE_TAG_SELINUX " -SELINUX"
#endif
#ifdef HAVE_APPARMOR
#define FEATURE_TAG_APPARMOR " +APPARMOR"
#else
#define FEATURE_TAG_APPARMOR " -APPARMOR"
#endif

const char *
skiff_feature_tags (void)
{
  if (skiff_criu_usable ())
    return FEATURE_TAGS_BASE " +CRIU +IDMAP";
  return FEATURE_TAGS_BASE " -CRIU +IDMAP";
}
