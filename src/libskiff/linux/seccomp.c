/* linux.seccomp with libseccomp, following runc's interpretation of the
 * spec where it is silent (unknown syscalls skipped, repeated argument
 * indexes turned into separate rules). */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MAX_SYSCALL_ARGS 6

static void
cleanup_filterp (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}
#define cleanup_filter __attribute__ ((cleanup (cleanup_filterp)))

/* ERRNO and TRACE carry a 16-bit return value; EPERM when none is given. */
static int
ret_code (const oci_uint *errno_ret, uint32_t *out, skiff_error **err)
{
  uint64_t v = errno_ret && errno_ret->set ? errno_ret->value : EPERM;
  if (v > 0xffff)
    return skiff_error_set (err, EINVAL, "seccomp errnoRet %llu is out of range", (unsigned long long) v);
  *out = (uint32_t) v;
  return 0;
}

static int
parse_action (const char *name, const oci_uint *errno_ret, uint32_t *out, skiff_error **err)
{
  static const struct { const char *name; uint32_t act; } simple[] = {
    { "SCMP_ACT_KILL", SCMP_ACT_KILL },   { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS }, { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW }, { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  };
  uint32_t code = 0;
  if (name == NULL)
    return skiff_error_set (err, EINVAL, "seccomp: missing action");
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
    if (strcmp (name, simple[i].name) == 0)
      {
        *out = simple[i].act;
        return 0;
      }
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0 || strcmp (name, "SCMP_ACT_TRACE") == 0)
    {
      if (ret_code (errno_ret, &code, err) < 0)
        return -1;
      *out = name[9] == 'E' ? SCMP_ACT_ERRNO (code) : SCMP_ACT_TRACE (code);
      return 0;
    }
  if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    {
      *out = SCMP_ACT_NOTIFY;
      return 0;
    }
  return skiff_error_set (err, EINVAL, "unknown seccomp action `%s`", name);
}

static int
parse_op (const char *name, enum scmp_compare *out, skiff_error **err)
{
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; name && i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp (name, ops[i].name) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return skiff_error_set (err, EINVAL, "unknown seccomp operator `%s`", name ? name : "");
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64" -> its token. */
uint32_t
skiff_seccomp_arch (const char *name)
{
  const char *s = strncmp (name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
  char lower[32];
  size_t n = strlen (s);
  if (n >= sizeof lower)
    return 0;
  for (size_t i = 0; i <= n; i++)
    lower[i] = (char) tolower ((unsigned char) s[i]);
  return seccomp_arch_resolve_name (lower);
}

static int
add_arch (scmp_filter_ctx ctx, const char *name, skiff_error **err)
{
  uint32_t arch = skiff_seccomp_arch (name);
  if (arch == 0)
    return skiff_error_set (err, EINVAL, "unknown seccomp architecture `%s`", name);
  int r = seccomp_arch_add (ctx, arch);
  if (r < 0 && r != -EEXIST) /* the native arch is already in */
    return skiff_error_set (err, -r, "seccomp: add architecture `%s`", name);
  return 0;
}

static int
set_flag (scmp_filter_ctx ctx, const char *flag, skiff_error **err)
{
  enum scmp_filter_attr attr;
  if (strcmp (flag, "SECCOMP_FILTER_FLAG_LOG") == 0)
    attr = SCMP_FLTATR_CTL_LOG;
  else if (strcmp (flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
    attr = SCMP_FLTATR_CTL_SSB;
  else if (strcmp (flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
    attr = SCMP_FLTATR_CTL_TSYNC;
  else if (strcmp (flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
    return 0; /* a load-time flag only (filter_flags); libseccomp < 2.6 has no attribute for it */
  else
    return skiff_error_set (err, ENOTSUP, "seccomp flag `%s` is not supported", flag);
  int r = seccomp_attr_set (ctx, attr, 1);
  if (r < 0)
    return skiff_error_set (err, -r, "seccomp: set flag `%s`", flag);
  return 0;
}

static int
build_conditions (const oci_syscall *sc, struct scmp_arg_cmp *conds, bool *repeated, skiff_error **err)
{
  unsigned count[MAX_SYSCALL_ARGS] = { 0 };
  *repeated = false;
  if (sc->n_args > MAX_SYSCALL_ARGS * 8)
    return skiff_error_set (err, E2BIG, "seccomp: too many argument conditions (%zu)", sc->n_args);
  for (size_t i = 0; i < sc->n_args; i++)
    {
      const oci_seccomp_arg *a = &sc->args[i];
      enum scmp_compare op = _SCMP_CMP_MIN;
      if (a->index.value >= MAX_SYSCALL_ARGS)
        return skiff_error_set (err, EINVAL, "seccomp: argument index %llu out of range",
                                (unsigned long long) a->index.value);
      if (parse_op (a->op, &op, err) < 0)
        return -1;
      /* MASKED_EQ: datum_a is the mask, datum_b the value to compare. */
      conds[i] = (struct scmp_arg_cmp){ .arg = (unsigned) a->index.value, .op = op,
                                        .datum_a = a->value.value, .datum_b = a->value_two.value };
      if (++count[a->index.value] > 1)
        *repeated = true;
    }
  return 0;
}

static int
add_rule (scmp_filter_ctx ctx, const oci_syscall *sc, uint32_t def, skiff_error **err)
{
  uint32_t act;
  struct scmp_arg_cmp conds[MAX_SYSCALL_ARGS * 8];
  bool repeated;
  if (parse_action (sc->action, &sc->errno_ret, &act, err) < 0
      || build_conditions (sc, conds, &repeated, err) < 0)
    return -1;
  /* libseccomp refuses a rule equal to the default action; it is a no-op. */
  if (act == def)
    return 0;
  for (size_t i = 0; i < sc->n_names; i++)
    {
      int nr = seccomp_syscall_resolve_name (sc->names[i]);
      if (nr == __NR_SCMP_ERROR) /* unknown to this libseccomp/arch: skip, as runc */
        continue;
      int r = 0;
      /* Conditions in one libseccomp rule are ANDed, and one rule cannot test
       * the same argument twice: then every condition becomes its own rule
       * (ORed), runc's interpretation. */
      if (repeated)
        for (size_t k = 0; k < sc->n_args && r == 0; k++)
          r = seccomp_rule_add_array (ctx, act, nr, 1, &conds[k]);
      else
        r = seccomp_rule_add_array (ctx, act, nr, (unsigned) sc->n_args, conds);
      if (r < 0)
        return skiff_error_set (err, -r, "seccomp: add rule for `%s`", sc->names[i]);
    }
  return 0;
}

static bool
has_flag (const oci_seccomp *seccomp, const char *flag)
{
  for (size_t i = 0; i < seccomp->n_flags; i++)
    if (strcmp (seccomp->flags[i], flag) == 0)
      return true;
  return false;
}

static bool
notifies (const oci_seccomp *seccomp)
{
  for (size_t i = 0; i < seccomp->n_syscalls; i++)
    if (seccomp->syscalls[i].action && strcmp (seccomp->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

/* libseccomp applies these attributes as seccomp(2) flags at load time; an
 * exported program does not carry them, so we keep them beside it. A
 * notifying rule needs a listener (runc: whenever a rule says NOTIFY). */
static unsigned int
filter_flags (const oci_seccomp *seccomp)
{
  unsigned int flags = 0;
  bool listener = notifies (seccomp);
  if (has_flag (seccomp, "SECCOMP_FILTER_FLAG_LOG"))
    flags |= SECCOMP_FILTER_FLAG_LOG;
  if (has_flag (seccomp, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
    flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  /* The kernel refuses TSYNC with a listener unless a thread it cannot
   * synchronize fails the call (TSYNC_ESRCH, 5.7) instead of being named in
   * the return value, which is the listener fd then. We are single-threaded. */
  if (has_flag (seccomp, "SECCOMP_FILTER_FLAG_TSYNC"))
    flags |= SECCOMP_FILTER_FLAG_TSYNC | (listener ? SECCOMP_FILTER_FLAG_TSYNC_ESRCH : 0);
  if (listener)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  if (has_flag (seccomp, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
    flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return flags;
}

static bool
names_syscall (const oci_syscall *sc, const char *name)
{
  for (size_t i = 0; i < sc->n_names; i++)
    if (sc->names[i] && strcmp (sc->names[i], name) == 0)
      return true;
  return false;
}

int
skiff_seccomp_check (const oci_seccomp *seccomp, skiff_error **err)
{
  bool path = seccomp->listener_path && *seccomp->listener_path;
  if (seccomp->default_action && strcmp (seccomp->default_action, "SCMP_ACT_NOTIFY") == 0)
    return skiff_error_set (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY cannot be the default action "
                                         "(the listener is handed over with write(2))");
  for (size_t i = 0; i < seccomp->n_syscalls; i++)
    {
      const oci_syscall *sc = &seccomp->syscalls[i];
      if (sc->action && strcmp (sc->action, "SCMP_ACT_NOTIFY") == 0 && names_syscall (sc, "write"))
        return skiff_error_set (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY cannot be used for `write` "
                                             "(the listener is handed over with write(2))");
    }
  if (notifies (seccomp) && !path)
    return skiff_error_set (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  if (seccomp->listener_metadata && *seccomp->listener_metadata && !path)
    return skiff_error_set (err, EINVAL, "seccomp: listenerMetadata is set without listenerPath");
  if (has_flag (seccomp, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") && !notifies (seccomp))
    return skiff_error_set (err, EINVAL, "seccomp flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs "
                                         "a listener: no rule uses SCMP_ACT_NOTIFY");
  return 0;
}

static int
build_filter (const oci_seccomp *seccomp, scmp_filter_ctx *out, skiff_error **err)
{
  uint32_t def;
  if (parse_action (seccomp->default_action, &seccomp->default_errno_ret, &def, err) < 0)
    return skiff_error_wrap (err, "seccomp defaultAction");
  cleanup_filter scmp_filter_ctx ctx = seccomp_init (def);
  if (ctx == NULL)
    return skiff_error_set (err, EINVAL, "seccomp_init");
  /* no_new_privs is the runtime's decision (process.noNewPrivileges), not a
   * side effect of loading the filter. */
  int r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (r < 0)
    return skiff_error_set (err, -r, "seccomp: clear the NNP attribute");
  for (size_t i = 0; i < seccomp->n_architectures; i++)
    if (add_arch (ctx, seccomp->architectures[i], err) < 0)
      return -1;
  for (size_t i = 0; i < seccomp->n_flags; i++)
    if (set_flag (ctx, seccomp->flags[i], err) < 0)
      return -1;
  for (size_t i = 0; i < seccomp->n_syscalls; i++)
    if (add_rule (ctx, &seccomp->syscalls[i], def, err) < 0)
      return -1;
  *out = take_ptr (&ctx);
  return 0;
}

int
skiff_seccomp_compile (const oci_seccomp *seccomp, skiff_seccomp_prog *out, skiff_error **err)
{
  memset (out, 0, sizeof *out);
  if (skiff_seccomp_check (seccomp, err) < 0)
    return -1;
  cleanup_filter scmp_filter_ctx ctx = NULL;
  if (build_filter (seccomp, &ctx, err) < 0)
    return -1;
  cleanup_free struct sock_filter *prefix = NULL;
  size_t n_prefix = 0;
  if (skiff_seccomp_enosys_prefix (seccomp, &prefix, &n_prefix, err) < 0)
    return -1;
  /* libseccomp 2.5 exports BPF only to an fd: a memfd keeps it in memory. */
  cleanup_close int fd = memfd_create ("skiff-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "seccomp: memfd");
  int r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return skiff_error_set (err, -r, "seccomp: export the filter");
  off_t size = lseek (fd, 0, SEEK_CUR);
  const off_t isz = (off_t) sizeof (struct sock_filter);
  if (size <= 0 || size % isz != 0)
    return skiff_error_set (err, EINVAL, "seccomp: exported filter has a bad size (%lld)", (long long) size);
  size_t n = n_prefix + (size_t) (size / isz);
  if (n > BPF_MAXINSNS)
    return skiff_error_set (err, E2BIG, "seccomp: the filter has %zu instructions, more than the kernel's %d",
                            n, BPF_MAXINSNS);
  out->insns = xmalloc (n * sizeof (struct sock_filter));
  if (n_prefix)
    memcpy (out->insns, prefix, n_prefix * sizeof (struct sock_filter));
  if (pread (fd, out->insns + n_prefix, (size_t) size, 0) != size)
    {
      skiff_seccomp_prog_free (out);
      return skiff_error_set (err, errno, "seccomp: read the exported filter");
    }
  out->len = (unsigned short) n;
  out->flags = filter_flags (seccomp);
  return 0;
}

int
skiff_seccomp_install (const skiff_seccomp_prog *prog, int *listener, skiff_error **err)
{
  *listener = -1;
  if (prog == NULL || prog->len == 0)
    return 0;
  struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog);
  if (r < 0)
    {
      if (errno == EINVAL && (prog->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
        return skiff_error_set (err, errno, "seccomp: load the filter (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV "
                                            "needs Linux 5.19)");
      return skiff_error_set (err, errno, "seccomp: load the filter (flags 0x%x)", prog->flags);
    }
  /* The kernel made the listener close-on-exec: it never reaches the payload. */
  if (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
    *listener = (int) r;
  return 0;
}

void
skiff_seccomp_prog_free (skiff_seccomp_prog *prog)
{
  free (prog->insns);
  memset (prog, 0, sizeof *prog);
}
