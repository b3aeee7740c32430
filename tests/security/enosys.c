/* enosys: run a command with the new mount API, openat2, close_range and
 * clone3 forced to ENOSYS by a seccomp filter, as on kernels older than
 * 5.2-5.12 (or under a container engine's filter that does not know them).
 * Without clone3 there is no CLONE_INTO_CGROUP either, so skiff moves the
 * container into its cgroup2 directory the old way.
 *
 *   enosys PROG [ARGS...]
 *
 * The security suite runs skiff through this wrapper (make
 * check-security-enosys) to prove that every fallback path is as safe as the
 * fast path.  Raw BPF, no libseccomp: the syscalls numbered 424 and up have
 * the same number on every architecture, so no arch dispatch is needed.
 * The filter is inherited by everything skiff starts, containers included.
 *
 * no_new_privs is set only when the caller lacks CAP_SYS_ADMIN: as root it
 * must stay off, or tests of `noNewPrivileges: false` would see it set. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NR_OPEN_TREE 428
#define NR_MOVE_MOUNT 429
#define NR_FSOPEN 430
#define NR_FSCONFIG 431
#define NR_FSMOUNT 432
#define NR_CLONE3 435
#define NR_CLOSE_RANGE 436
#define NR_OPENAT2 437
#define NR_MOUNT_SETATTR 442

#define DENY(nr)                                                  \
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),               \
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))

int
main (int argc, char **argv)
{
  struct sock_filter code[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    DENY (NR_OPENAT2),
    DENY (NR_FSOPEN),
    DENY (NR_FSCONFIG),
    DENY (NR_FSMOUNT),
    DENY (NR_OPEN_TREE),
    DENY (NR_MOVE_MOUNT),
    DENY (NR_MOUNT_SETATTR),
    DENY (NR_CLOSE_RANGE),
    DENY (NR_CLONE3),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

  if (argc < 2)
    {
      fprintf (stderr, "usage: enosys PROG [ARGS...]\n");
      return 2;
    }
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    {
      /* EACCES: no CAP_SYS_ADMIN, so the kernel insists on no_new_privs. */
      if (errno != EACCES || prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
          || prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        {
          fprintf (stderr, "enosys: install seccomp filter: %s\n", strerror (errno));
          return 125;
        }
    }
  execvp (argv[1], argv + 1);
  fprintf (stderr, "enosys: exec `%s`: %s\n", argv[1], strerror (errno));
  return 127;
}
