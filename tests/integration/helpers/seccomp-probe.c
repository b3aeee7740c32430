/* seccomp-probe: what a seccomp filter does to a process, seen from inside.
 * Built static by test_seccomp.py into the bundle's rootfs.
 *
 *   seccomp-probe syscall NR...   one line "NR=RESULT" per number: "ok" or
 *                                 the errno number of syscall(NR, 0, ...)
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

int
main (int argc, char **argv)
{
  /* Unbuffered: a probe may be killed by the filter right after a line. */
  setvbuf (stdout, NULL, _IONBF, 0);
  if (argc >= 2 && strcmp (argv[1], "syscall") == 0)
    {
      for (int i = 2; i < argc; i++)
        {
          errno = 0;
          long r = syscall (strtol (argv[i], NULL, 10), 0, 0, 0, 0, 0, 0);
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
  fprintf (stderr, "usage: seccomp-probe syscall NR... | mkdir PATH\n");
  return 2;
}
