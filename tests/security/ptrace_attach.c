/* ptrace_attach PID...: try PTRACE_ATTACH (and PTRACE_SEIZE) on each pid and
 * print "PID ATTACHED" or "PID <errno name>".  Built statically at test time
 * and copied into a busybox rootfs (busybox has no strace or gdb). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int
main (int argc, char **argv)
{
  int rc = 0;
  for (int i = 1; i < argc; i++)
    {
      pid_t pid = (pid_t) atoi (argv[i]);
      if (ptrace (PTRACE_SEIZE, pid, NULL, NULL) == 0)
        {
          printf ("%d ATTACHED\n", (int) pid);
          ptrace (PTRACE_DETACH, pid, NULL, NULL);
          rc = 1;
          continue;
        }
      printf ("%d %s\n", (int) pid, errno == EPERM ? "EPERM" : strerror (errno));
    }
  return rc;
}
