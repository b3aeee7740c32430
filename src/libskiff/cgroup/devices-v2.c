/* Device access on cgroup v2: there is no devices.allow file; the kernel
 * asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup
 * (cgroup-v2.rst "Device controller", include/uapi/linux/bpf.h
 * struct bpf_cgroup_dev_ctx). We emit a tiny program from the rules. */
#include "cgroup/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/convert.h"
#include "util.h"

typedef struct {
  struct bpf_insn *insns;
  size_t n;
} prog;

static void
emit (prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  p->insns = xrealloc (p->insns, (p->n + 1) * sizeof *p->insns);
  p->insns[p->n++] = (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* Registers after the prologue: r2 = device type, r3 = access bits,
 * r4 = major, r5 = minor (ctx: access_type = access << 16 | type). */
static void
emit_prologue (prog *p)
{
  emit (p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, access_type), 0);
  emit (p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  emit (p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  emit (p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, major), 0);
  emit (p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, minor), 0);
}

static int
access_bits (const char *a)
{
  int bits = 0;
  for (; a && *a; a++)
    bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return bits ? bits : BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
}

/* One rule: each test jumps to the end of the block when it does not match;
 * a match returns the rule's verdict. A request matches when its access bits
 * are all within the rule's (as runc's filter does). Offsets are patched
 * once the block length is known. */
static int
emit_rule (prog *p, const oci_device_cgroup *d, bool *catch_all, skiff_error **err)
{
  char check[96];
  if (skiff_cg_device_rule (d, check, sizeof check, err) < 0)
    return -1;
  size_t start = p->n;
  char type = d->type && *d->type ? d->type[0] : 'a';
  int acc = access_bits (d->access);
  if (type != 'a')
    emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD))
    {
      emit (p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, acc);
      emit (p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
    }
  if (d->major.set && d->major.value >= 0)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t) d->major.value);
  if (d->minor.set && d->minor.value >= 0)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t) d->minor.value);
  *catch_all = p->n == start;
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow.value ? 1 : 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = start; i < p->n; i++)
    if (BPF_CLASS (p->insns[i].code) == BPF_JMP && BPF_OP (p->insns[i].code) == BPF_JNE)
      p->insns[i].off = (int16_t) (p->n - i - 1);
  return 0;
}

/* Last matching rule wins (as successive devices.allow/deny writes behave on
 * v1), so rules are emitted in reverse with first match returning; nothing
 * matching means deny. Order as on v1: config rules, then the defaults.
 * Emission stops after a rule matching everything (the usual leading
 * "deny all"): the verifier rejects unreachable instructions. */
static int
build (prog *p, const oci_device_cgroup *rules, size_t n, skiff_error **err)
{
  bool catch_all = false;
  emit_prologue (p);
  for (size_t i = cg_n_default_devices; i > 0 && !catch_all; i--)
    if (emit_rule (p, &cg_default_devices[i - 1], &catch_all, err) < 0)
      return -1;
  for (size_t i = n; i > 0 && !catch_all; i--)
    if (emit_rule (p, &rules[i - 1], &catch_all, err) < 0)
      return -1;
  if (catch_all)
    return 0;
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return 0;
}

/* The verifier's verdict is on the last lines of its (long) log. */
static const char *
last_line (char *log)
{
  size_t n = strlen (log);
  while (n > 0 && log[n - 1] == '\n')
    log[--n] = '\0';
  char *nl = strrchr (log, '\n');
  char *prev = NULL;
  if (nl && strncmp (nl + 1, "processed ", 10) == 0)
    {
      *nl = '\0';
      prev = strrchr (log, '\n');
    }
  else
    prev = nl;
  return prev ? prev + 1 : (*log ? log : "no log");
}

/* Every device program skiff attaches carries this name (bpf_attr.prog_name,
 * at most 15 characters): an update finds the container's current program
 * on the cgroup's attach list (BPF_PROG_QUERY) by it, so what identifies the
 * old program lives with the program itself and cannot go stale. */
#define DEV_PROG_NAME "skiff_devices"

static int
load_prog (const prog *p, skiff_error **err)
{
  char log[16384];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) p->insns;
  attr.insn_cnt = (uint32_t) p->n;
  attr.license = (uint64_t) (uintptr_t) "Apache";
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  memcpy (attr.prog_name, DEV_PROG_NAME, sizeof DEV_PROG_NAME);
  log[0] = '\0';
  int fd = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (fd < 0)
    {
      int e = errno;
      return skiff_error_set (err, e, "load the cgroup device BPF program (verifier: %s)", last_line (log));
    }
  /* BPF fds are created O_CLOEXEC by the kernel (bpf(2)). */
  return fd;
}

/* The policy (deny by default, rules, then the defaults) as a loaded program. */
static int
policy_prog (const oci_resources *r, skiff_error **err)
{
  prog p = { 0 };
  int ret = build (&p, r ? r->devices : NULL, r ? r->n_devices : 0, err);
  int pfd = ret < 0 ? -1 : load_prog (&p, err);
  free (p.insns);
  return pfd;
}

static int
attach (int cfd, int pfd, int old_fd, const char *dir, skiff_error **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cfd;
  attr.attach_bpf_fd = (uint32_t) pfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* MULTI so a nested runtime or systemd in the container can add its own
   * (stricter) program below; the kernel requires every program to allow. */
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (old_fd >= 0)
    {
      attr.attach_flags |= BPF_F_REPLACE;
      attr.replace_bpf_fd = (uint32_t) old_fd;
    }
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
    return skiff_error_set (err, errno, "attach the device BPF program to `%s`", dir);
  return 0;
}

/* Whether the program behind fd is one of ours (by name). */
static bool
is_ours (int fd)
{
  struct bpf_prog_info info;
  memset (&info, 0, sizeof info);
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.info.bpf_fd = (uint32_t) fd;
  attr.info.info_len = sizeof info;
  attr.info.info = (uint64_t) (uintptr_t) &info;
  if (syscall (SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof attr) < 0)
    return false;
  return strncmp (info.name, DEV_PROG_NAME, sizeof info.name) == 0;
}

/* fds of the device programs skiff attached directly to the cgroup (not
 * inherited ones: query_flags 0 lists only this cgroup's own). */
static int
find_ours (int cfd, const char *dir, int *fds, size_t max, size_t *n, skiff_error **err)
{
  uint32_t ids[64];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) cfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
  attr.query.prog_cnt = sizeof ids / sizeof ids[0];
  if (syscall (SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr) < 0)
    return skiff_error_set (err, errno, "query the device BPF programs of `%s`", dir);
  *n = 0;
  for (uint32_t i = 0; i < attr.query.prog_cnt && i < sizeof ids / sizeof ids[0] && *n < max; i++)
    {
      union bpf_attr get;
      memset (&get, 0, sizeof get);
      get.prog_id = ids[i];
      int fd = (int) syscall (SYS_bpf, BPF_PROG_GET_FD_BY_ID, &get, sizeof get);
      if (fd < 0)
        continue; /* detached meanwhile */
      if (is_ours (fd))
        fds[(*n)++] = fd;
      else
        close (fd);
    }
  return 0;
}

static int
detach (int cfd, int pfd, const char *dir, skiff_error **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cfd;
  attr.attach_bpf_fd = (uint32_t) pfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (syscall (SYS_bpf, BPF_PROG_DETACH, &attr, sizeof attr) < 0 && errno != ENOENT)
    return skiff_error_set (err, errno, "detach the old device BPF program from `%s`", dir);
  return 0;
}

/* Swap the policy without a moment where no program guards the cgroup:
 * BPF_F_REPLACE swaps in place (Linux 5.6+); otherwise the new program is
 * attached next to the old one (both must allow, so the window is only
 * stricter) and the old one detached after. */
static int
swap_prog (int cfd, int pfd, const int *old, size_t n_old, const char *dir, skiff_error **err)
{
  skiff_error *replace_err = NULL;
  if (n_old == 1 && attach (cfd, pfd, old[0], dir, &replace_err) == 0)
    return 0;
  bool unsupported = replace_err && replace_err->errnum == EINVAL;
  if (replace_err && !unsupported)
    {
      if (err && *err == NULL)
        *err = replace_err;
      else
        skiff_error_free (replace_err);
      return -1;
    }
  skiff_error_free (replace_err);
  if (attach (cfd, pfd, -1, dir, err) < 0)
    return -1;
  for (size_t i = 0; i < n_old; i++)
    if (detach (cfd, old[i], dir, err) < 0)
      return -1;
  return 0;
}

int
cg_v2_devices (const char *dir, const oci_resources *r, skiff_error **err)
{
  /* Loading a BPF program needs CAP_SYS_ADMIN (CAP_BPF) on the host: a
   * rootless runtime leaves devices alone (see v1_devices). */
  if (geteuid () != 0)
    return 0;
  cleanup_close int pfd = policy_prog (r, err);
  if (pfd < 0)
    return -1;
  cleanup_close int cfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0)
    return skiff_error_set (err, errno, "open `%s`", dir);
  int old[8];
  size_t n_old = 0;
  if (find_ours (cfd, dir, old, sizeof old / sizeof old[0], &n_old, err) < 0)
    return -1;
  int ret = swap_prog (cfd, pfd, old, n_old, dir, err);
  for (size_t i = 0; i < n_old; i++)
    close (old[i]);
  return ret;
}
