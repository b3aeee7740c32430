/* seccomp-probe: what a seccomp filter does to a process, seen from inside.
 * Built static by test_seccomp.py into the bundle's rootfs.
 *
 *   seccomp-probe syscall NR...   one line "NR=RESULT" per number: "ok" or
 *                                 the errno number of syscall(NR, 0, ...);
 *                                 NR may be hex (0x40000000|n: x32 on x86_64)
 *   seccomp-probe int80 NR...     the same through int $0x80: the i386 ABI
 *                                 (x86_64 only)
 *   seccomp-probe mkdir PATH      mkdir(PATH) with a SIGUSR1 handler
 *                                 installed (no SA_RESTART); prints
 *                                 "mkdir=RESULT signals=N"
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t signals;

static void
on_signal (int sig)
{
  (void) sig;
  signals++;
}

static void
result (const char *what, long r)
{
  if (r < 0)
    printf ("%s=%d\n", what, errno);
  else
    printf ("%s=ok\n", what);
}

/* A 64-bit process may enter the kernel through the i386 gate: seccomp
 * then sees AUDIT_ARCH_I386 and i386 numbers. */
static long
int80 (long nr)
{
#ifdef __x86_64__
  long ret;
  __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0), "D"(0) : "memory");
  if (ret < 0 && ret > -4096)
    {
      errno = (int) -ret;
      return -1;
    }
  return ret;
#else
  (void) nr;
  errno = ENOTSUP;
  return -1;
#endif
}

int
main (int argc, char **argv)
{
  /* Unbuffered: a probe may be killed by the filter right after a line. */
  setvbuf (stdout, NULL, _IONBF, 0);
  if (argc >= 2 && (strcmp (argv[1], "syscall") == 0 || strcmp (argv[1], "int80") == 0))
    {
      for (int i = 2; i < argc; i++)
        {
          long nr = strtol (argv[i], NULL, 0);
          errno = 0;
          long r = argv[1][0] == 's' ? syscall (nr, 0, 0, 0, 0, 0, 0) : int80 (nr);
          result (argv[i], r);
        }
      return 0;
    }
  if (argc == 3 && strcmp (argv[1], "mkdir") == 0)
    {
      struct sigaction sa = { .sa_handler = on_signal };
      sigemptyset (&sa.sa_mask);
      if (sigaction (SIGUSR1, &sa, NULL) < 0)
        return 2;
      int r = mkdir (argv[2], 0755);
      int e = errno;
      printf ("mkdir=%s signals=%d\n", r == 0 ? "ok" : strerror (e), (int) signals);
      return 0;
    }
  fprintf (stderr, "usage: seccomp-probe syscall|int80 NR... | mkdir PATH\n");
  return 2;
}
