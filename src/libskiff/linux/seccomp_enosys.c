/* ENOSYS for syscalls newer than the profile, as runc does it (its
 * patchbpf package; this is skiff's own program, in front of the one
 * libseccomp exports).
 *
 * A profile written before a syscall existed does not name it, so a filter
 * whose default action denies gives it EPERM (or kills). A libc probing a
 * new syscall (clone3, faccessat2, ...) falls back to the old one only on
 * ENOSYS, so EPERM breaks programs that would work on an older kernel. For
 * every architecture the profile lists, a number above the highest syscall
 * the profile names (any action) is treated as one the profile cannot know
 * and gets ENOSYS. Syscalls below it that the profile leaves out still get
 * the default action. Like runc: only the listed architectures (a profile
 * without "architectures" gets no prefix), and not when the default action
 * lets syscalls through anyway (ALLOW, LOG, TRACE) or is ERRNO(ENOSYS).
 *
 * The program, per architecture A with highest number M:
 *
 *     ld  [arch]
 *     jeq A, 0, <skip section>      one section per architecture
 *       ld  [nr]
 *       jgt M, 0, 1                 x86_64: x32 (bit 30) has its own M
 *       ret ERRNO(ENOSYS)
 *       ja  <end>
 *     ...                           no match: fall through to the filter
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define X32_SYSCALL_BIT 0x40000000u
#define RET_ENOSYS (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))

/* One section: the kernel's AUDIT_ARCH value, and the highest syscall the
 * profile names in each ABI it runs there (x86_64: native and x32). */
typedef struct arch_max
{
  uint32_t audit;
  bool have_native, have_x32;
  uint32_t native, x32;
} arch_max;

typedef struct prog
{
  struct sock_filter *insns;
  size_t n;
} prog;

static void
emit (prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
  p->insns = xrealloc (p->insns, (p->n + 1) * sizeof *p->insns);
  p->insns[p->n++] = (struct sock_filter){ code, jt, jf, k };
}

/* Whether the default action leaves nothing to fix. */
static bool
default_allows (const oci_seccomp *s)
{
  const char *a = s->default_action ? s->default_action : "";
  if (strcmp (a, "SCMP_ACT_ALLOW") == 0 || strcmp (a, "SCMP_ACT_LOG") == 0
      || strcmp (a, "SCMP_ACT_TRACE") == 0)
    return true;
  return strcmp (a, "SCMP_ACT_ERRNO") == 0 && s->default_errno_ret.set
         && s->default_errno_ret.value == ENOSYS;
}

/* Highest number among the profile's syscall names on token's ABI; false
 * when it names none there. Names libseccomp does not know, or that do not
 * exist on this ABI (negative pseudo numbers), do not count. */
static bool
highest_syscall (const oci_seccomp *s, uint32_t token, uint32_t *out)
{
  bool found = false;
  for (size_t i = 0; i < s->n_syscalls; i++)
    for (size_t k = 0; k < s->syscalls[i].n_names; k++)
      {
        const char *name = s->syscalls[i].names[k];
        int nr = name ? seccomp_syscall_resolve_name_arch (token, name) : __NR_SCMP_ERROR;
        if (nr < 0)
          continue;
        if (!found || (uint32_t)nr > *out)
          *out = (uint32_t)nr;
        found = true;
      }
  return found;
}

static arch_max *
find_or_add (arch_max *v, size_t *n, uint32_t audit)
{
  for (size_t i = 0; i < *n; i++)
    if (v[i].audit == audit)
      return &v[i];
  v[*n] = (arch_max){ .audit = audit };
  return &v[(*n)++];
}

/* x32 runs on x86_64 (same AUDIT_ARCH, bit 30 in the number); libseccomp's
 * token for it is not an AUDIT_ARCH value, every other token is. */
static size_t
collect (const oci_seccomp *s, arch_max *v, skiff_error **err)
{
  size_t n = 0;
  for (size_t i = 0; i < s->n_architectures; i++)
    {
      uint32_t token = skiff_seccomp_arch (s->architectures[i]), max = 0;
      if (token == 0)
        {
          skiff_error_set (err, EINVAL, "unknown seccomp architecture `%s`", s->architectures[i]);
          return (size_t)-1;
        }
      if (!highest_syscall (s, token, &max))
        continue;
      bool x32 = token == SCMP_ARCH_X32;
      arch_max *a = find_or_add (v, &n, x32 ? AUDIT_ARCH_X86_64 : token);
      if (x32)
        a->have_x32 = true, a->x32 = max;
      else
        a->have_native = true, a->native = max;
    }
  return n;
}

/* The section body after "jeq A": returns ENOSYS above the highest syscall,
 * else jumps to the end (patched in build()); *ja gets where that jump is. */
static void
section (prog *p, const arch_max *a, size_t *ja)
{
  emit (p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof (struct seccomp_data, nr));
  if (a->audit == AUDIT_ARCH_S390 || a->audit == AUDIT_ARCH_S390X)
    /* s390 multiplexes numbers it does not know onto 0 (setup(2), long
     * gone): the kernel would say ENOSYS for those, so do we. */
    emit (p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0);
  if (a->audit == AUDIT_ARCH_X86_64 && a->have_native && a->have_x32)
    {
      emit (p, BPF_JMP | BPF_JSET | BPF_K, 1, 0, X32_SYSCALL_BIT);
      emit (p, BPF_JMP | BPF_JGT | BPF_K, 1, 2, a->native); /* native: ENOSYS or end */
      emit (p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, a->x32);
    }
  else if (a->audit == AUDIT_ARCH_X86_64)
    {
      /* Only one ABI listed: numbers of the other go on to the filter,
       * which gives them its bad-architecture action. */
      if (a->have_native)
        emit (p, BPF_JMP | BPF_JSET | BPF_K, 2, 0, X32_SYSCALL_BIT);
      else
        emit (p, BPF_JMP | BPF_JSET | BPF_K, 0, 2, X32_SYSCALL_BIT);
      emit (p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, a->have_native ? a->native : a->x32);
    }
  else
    emit (p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, a->native);
  emit (p, BPF_RET | BPF_K, 0, 0, RET_ENOSYS);
  *ja = p->n;
  emit (p, BPF_JMP | BPF_JA, 0, 0, 0);
}

static void
build (prog *p, const arch_max *v, size_t n)
{
  cleanup_free size_t *ja = xzalloc (n * sizeof *ja);
  emit (p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof (struct seccomp_data, arch));
  for (size_t i = 0; i < n; i++)
    {
      size_t jeq = p->n;
      emit (p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, v[i].audit);
      section (p, &v[i], &ja[i]);
      p->insns[jeq].jf = (uint8_t)(p->n - jeq - 1); /* a section body is at most 6 long */
    }
  /* "ja" takes a 32-bit offset: the end is always in reach. */
  for (size_t i = 0; i < n; i++)
    p->insns[ja[i]].k = (uint32_t)(p->n - ja[i] - 1);
}

int
skiff_seccomp_enosys_prefix (const oci_seccomp *seccomp, struct sock_filter **out, size_t *n,
                             skiff_error **err)
{
  *out = NULL;
  *n = 0;
  if (default_allows (seccomp) || seccomp->n_architectures == 0)
    return 0;
  cleanup_free arch_max *v = xzalloc (seccomp->n_architectures * sizeof *v);
  size_t n_arch = collect (seccomp, v, err);
  if (n_arch == (size_t)-1)
    return -1;
  if (n_arch == 0)
    return 0;
  prog p = { 0 };
  build (&p, v, n_arch);
  *out = p.insns;
  *n = p.n;
  return 0;
}
