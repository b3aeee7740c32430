/* skiff run: create + start, and in the foreground wait for the container,
 * forwarding signals to it, then delete it. */
#include "container.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payload.h"
#include "util.h"

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
          skiff_container_delete (ctx, opts->id, true, NULL);
          return -1;
        }
      return 0;
    }
  /* Block before create so no signal between start and the wait loop is
   * lost; the init resets its mask before anything runs. */
  sigset_t old;
  int sfd = skiff_forward_signals_begin (&old, err);
  if (sfd < 0)
    return -1;
  int r = -1;
  if (skiff_create_internal (ctx, opts, &pid, err) == 0)
    {
      r = skiff_container_start (ctx, opts->id, err);
      if (r == 0)
        r = skiff_forward_signals_wait (sfd, pid, exit_status, err);
      else
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
        }
      if (skiff_container_delete (ctx, opts->id, true, r < 0 ? NULL : err) < 0)
        r = -1;
    }
  close (sfd);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
