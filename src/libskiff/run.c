/* skiff run: create + start, and in the foreground wait for the container,
 * forwarding signals to it, then delete it. */
#include "container.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Every catchable signal except SIGCHLD, which tells us the init exited. */
static void
forwarded_signals (sigset_t *set)
{
  sigfillset (set);
  sigdelset (set, SIGKILL);
  sigdelset (set, SIGSTOP);
  /* Faults are about us, not for the container. */
  sigdelset (set, SIGSEGV);
  sigdelset (set, SIGBUS);
  sigdelset (set, SIGILL);
  sigdelset (set, SIGFPE);
  sigdelset (set, SIGABRT);
}

static int
exit_status_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Wait for pid while relaying signals from sfd. */
static int
wait_and_forward (int sfd, pid_t pid, int *exit_status, skiff_error **err)
{
  for (;;)
    {
      int status;
      pid_t w = waitpid (pid, &status, WNOHANG);
      if (w == pid)
        {
          *exit_status = exit_status_of (status);
          return 0;
        }
      if (w < 0 && errno != EINTR)
        return skiff_error_set (err, errno, "wait for container init %d", (int) pid);
      struct signalfd_siginfo si;
      ssize_t r = read (sfd, &si, sizeof si);
      if (r < 0 && errno != EINTR)
        return skiff_error_set (err, errno, "read signalfd");
      if (r == (ssize_t) sizeof si && si.ssi_signo != SIGCHLD)
        kill (pid, (int) si.ssi_signo);
    }
}

static int
cleanup_container (const skiff_context *ctx, const char *id, skiff_error **err)
{
  return skiff_container_delete (ctx, id, true, err);
}

int
skiff_container_run (const skiff_context *ctx, const skiff_create_opts *opts, bool detach,
                     int *exit_status, skiff_error **err)
{
  *exit_status = 0;
  pid_t pid;
  if (detach)
    {
      if (skiff_create_internal (ctx, opts, &pid, err) < 0)
        return -1;
      if (skiff_container_start (ctx, opts->id, err) < 0)
        {
          cleanup_container (ctx, opts->id, NULL);
          return -1;
        }
      return 0;
    }
  /* Block before create so no signal between start and the wait loop is
   * lost; the init resets its mask before anything runs. */
  sigset_t fwd, old;
  forwarded_signals (&fwd);
  sigprocmask (SIG_BLOCK, &fwd, &old);
  int sfd = signalfd (-1, &fwd, SFD_CLOEXEC);
  int r = -1;
  if (sfd < 0)
    skiff_error_set (err, errno, "signalfd");
  else if (skiff_create_internal (ctx, opts, &pid, err) == 0)
    {
      r = skiff_container_start (ctx, opts->id, err);
      if (r == 0)
        r = wait_and_forward (sfd, pid, exit_status, err);
      else
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
        }
      if (cleanup_container (ctx, opts->id, r < 0 ? NULL : err) < 0)
        r = -1;
    }
  if (sfd >= 0)
    close (sfd);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
