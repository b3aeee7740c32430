#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "util.h"

const oci_hook *
skiff_hooks_of (const oci_spec *spec, skiff_hook_kind kind, size_t *n)
{
  const oci_hooks *h = spec ? spec->hooks : NULL;
  *n = 0;
  if (h == NULL)
    return NULL;
  switch (kind)
    {
    case SKIFF_HOOK_PRESTART: *n = h->n_prestart; return h->prestart;
    case SKIFF_HOOK_CREATE_RUNTIME: *n = h->n_create_runtime; return h->create_runtime;
    case SKIFF_HOOK_CREATE_CONTAINER: *n = h->n_create_container; return h->create_container;
    case SKIFF_HOOK_START_CONTAINER: *n = h->n_start_container; return h->start_container;
    case SKIFF_HOOK_POSTSTART: *n = h->n_poststart; return h->poststart;
    case SKIFF_HOOK_POSTSTOP: *n = h->n_poststop; return h->poststop;
    }
  return NULL;
}

const char *
skiff_hook_kind_name (skiff_hook_kind kind)
{
  static const char *const names[] = { "prestart", "createRuntime", "createContainer",
                                       "startContainer", "poststart", "poststop" };
  return names[kind];
}

static __attribute__ ((noreturn)) void
hook_child (const oci_hook *h, int stdin_fd)
{
  skiff_payload_reset_signals ();
  if (dup2 (stdin_fd, 0) < 0)
    _exit (127);
  /* args[0] is the hook's argv[0]; with no args the path stands in. */
  char *path_only[] = { h->path, NULL };
  char **argv = path_only;
  if (h->n_args)
    {
      argv = xzalloc ((h->n_args + 1) * sizeof *argv);
      memcpy (argv, h->args, h->n_args * sizeof *argv);
    }
  char **env = xzalloc ((h->n_env + 1) * sizeof *env);
  memcpy (env, h->env, h->n_env * sizeof *env);
  execve (h->path, argv, env);
  fprintf (stderr, "skiff: exec hook `%s`: %s\n", h->path, strerror (errno));
  _exit (127);
}

/* Wait for pid, killing it once timeout_s (> 0) seconds have passed. */
static int
wait_hook (pid_t pid, long timeout_s, int *status, bool *timed_out)
{
  *timed_out = false;
  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (timeout_s > 0 && pidfd >= 0)
    {
      struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
      int r;
      do
        r = poll (&pfd, 1, (int) (timeout_s > 2000000 ? 2000000000 : timeout_s * 1000));
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          kill (pid, SIGKILL);
          *timed_out = true;
        }
    }
  if (pidfd >= 0)
    close (pidfd);
  pid_t w;
  do
    w = waitpid (pid, status, 0);
  while (w < 0 && errno == EINTR);
  return w == pid ? 0 : -1;
}

static int
run_one (const oci_hook *h, const char *name, size_t idx, const char *state_json, skiff_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return skiff_error_set (err, errno, "hook %s[%zu]: pipe", name, idx);
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return skiff_error_set (err, errno, "hook %s[%zu]: fork", name, idx);
    }
  if (pid == 0)
    {
      close (p[1]);
      hook_child (h, p[0]);
    }
  close (p[0]);
  /* A hook that does not read its stdin must not kill us with SIGPIPE. When
   * SIGPIPE is blocked (run/exec forward signals) an ignored one still
   * becomes pending: take it back before restoring the old disposition. */
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigaction (SIGPIPE, &ign, &old);
  write_all (p[1], state_json, strlen (state_json));
  close (p[1]);
  sigset_t pipe_only;
  sigemptyset (&pipe_only);
  sigaddset (&pipe_only, SIGPIPE);
  struct timespec now = { 0, 0 };
  while (sigtimedwait (&pipe_only, NULL, &now) == SIGPIPE)
    ;
  sigaction (SIGPIPE, &old, NULL);
  int status = 0;
  bool timed_out;
  if (wait_hook (pid, h->timeout.set ? (long) h->timeout.value : 0, &status, &timed_out) < 0)
    return skiff_error_set (err, errno, "hook %s[%zu] `%s`: wait", name, idx, h->path);
  if (timed_out)
    return skiff_error_set (err, 0, "hook %s[%zu] `%s`: killed after the %llds timeout", name, idx,
                            h->path, (long long) h->timeout.value);
  if (WIFSIGNALED (status))
    return skiff_error_set (err, 0, "hook %s[%zu] `%s`: killed by signal %d", name, idx, h->path,
                            WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return skiff_error_set (err, 0, "hook %s[%zu] `%s`: exit status %d", name, idx, h->path,
                            WEXITSTATUS (status));
  return 0;
}

int
skiff_hooks_run (const oci_spec *spec, skiff_hook_kind kind, const char *state_json, skiff_error **err)
{
  size_t n;
  const oci_hook *hooks = skiff_hooks_of (spec, kind, &n);
  for (size_t i = 0; i < n; i++)
    if (run_one (&hooks[i], skiff_hook_kind_name (kind), i, state_json, err) < 0)
      return -1;
  return 0;
}

char *
skiff_state_json_with_status (const char *state_json, const char *status)
{
  oci_state *st = NULL;
  cleanup_free char *msg = NULL;
  if (state_json == NULL || oci_state_parse (state_json, strlen (state_json), &st, &msg) < 0)
    return NULL;
  free (st->status);
  st->status = xstrdup (status);
  char *out = oci_state_to_json (st, false);
  oci_state_free (st);
  return out;
}
