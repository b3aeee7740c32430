#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/process.h"
#include "linux/scheduling.h"
#include "util.h"

void
skiff_payload_reset_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

static char *
home_for_uid (uid_t uid)
{
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];
  while (f && fgets (line, sizeof line, f))
    {
      char *fields[7] = { 0 }, *p = line;
      int n = 0;
      /* strsep keeps the empty fields passwd lines have. */
      while (n < 7 && (fields[n] = strsep (&p, ":\n")) != NULL)
        n++;
      long v;
      if (n >= 6 && parse_long (fields[2], 0, INT32_MAX, &v) == 0 && (uid_t) v == uid && *fields[5])
        return xstrdup (fields[5]);
    }
  return xstrdup ("/");
}

char **
skiff_payload_env (const oci_process *p, int listen_fds)
{
  char **env = xzalloc ((p->n_env + 4) * sizeof *env); /* + HOME, LISTEN_FDS, LISTEN_PID, NULL */
  size_t k = 0;
  bool have_home = false;
  for (size_t i = 0; i < p->n_env; i++)
    {
      env[k++] = xstrdup (p->env[i]);
      have_home |= strncmp (p->env[i], "HOME=", 5) == 0;
    }
  if (!have_home)
    {
      cleanup_free char *home = home_for_uid (p->user ? (uid_t) p->user->uid.value : 0);
      env[k++] = xasprintf ("HOME=%s", home);
    }
  if (listen_fds > 0)
    {
      env[k++] = xasprintf ("LISTEN_FDS=%d", listen_fds);
      env[k++] = xstrdup ("LISTEN_PID=1");
    }
  return env;
}

char **
skiff_payload_argv (const oci_process *p)
{
  char **argv = xzalloc ((p->n_args + 1) * sizeof *argv);
  memcpy (argv, p->args, p->n_args * sizeof *argv);
  return argv;
}

/* Load the filter; its listener, if any, goes to the runtime at once
 * (seccomp.h: nothing the filter notifies may come first). */
static int
load_seccomp (const skiff_seccomp_prog *seccomp, int sync_fd, skiff_error **err)
{
  int listener;
  if (skiff_seccomp_install (seccomp, &listener, err) < 0)
    return -1;
  if (listener < 0)
    return 0;
  int r = skiff_seccomp_handover (sync_fd, listener, err);
  close (listener);
  return r;
}

int
skiff_payload_prepare (const oci_process *p, const skiff_seccomp_prog *seccomp, const skiff_lsm *lsm,
                       const char *keyring_id, bool nnp, int sync_fd, skiff_error **err)
{
  /* The keyring gets the process label as runc gives it; the keycreate
   * label then goes back to the default so no later key inherits it. */
  if (keyring_id
      && (skiff_lsm_keyring_label (lsm, true, err) < 0 || skiff_session_keyring_join (keyring_id, err) < 0
          || skiff_lsm_keyring_label (lsm, false, err) < 0))
    return -1;
  if (skiff_rlimits_apply (p, err) < 0)
    return -1;
  /* Real-time policies and I/O classes need CAP_SYS_NICE/CAP_SYS_ADMIN:
   * before the credentials drop them. */
  if (skiff_scheduler_apply (p->scheduler, err) < 0 || skiff_io_priority_apply (p->io_priority, err) < 0)
    return -1;
  skiff_umask_apply (p);
  if (!nnp && load_seccomp (seccomp, sync_fd, err) < 0)
    return -1;
  if (skiff_credentials_apply (p, err) < 0 || skiff_cwd_apply (p, err) < 0)
    return -1;
  /* Last: nothing of ours execs after this but the payload (and the
   * startContainer hooks, which runc also runs with the label pending). */
  return skiff_lsm_exec_labels (lsm, err);
}

int
skiff_payload_lockdown (const oci_process *p, const skiff_seccomp_prog *seccomp, bool nnp, int sync_fd,
                        skiff_error **err)
{
  if (!nnp)
    return 0;
  if (skiff_no_new_privs_apply (p, err) < 0)
    return -1;
  return load_seccomp (seccomp, sync_fd, err);
}

int
skiff_exit_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

int
skiff_forward_signals_begin (sigset_t *old, skiff_error **err)
{
  sigset_t set;
  sigfillset (&set);
  /* Uncatchable, or about us rather than for the payload. */
  static const int own[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
    sigdelset (&set, own[i]);
  if (sigprocmask (SIG_BLOCK, &set, old) < 0)
    return skiff_error_set (err, errno, "sigprocmask");
  int sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    {
      int e = errno;
      sigprocmask (SIG_SETMASK, old, NULL);
      return skiff_error_set (err, e, "signalfd");
    }
  return sfd;
}

int
skiff_forward_signals_wait (int sfd, pid_t pid, int *exit_status, skiff_error **err)
{
  for (;;)
    {
      int status;
      pid_t w = waitpid (pid, &status, WNOHANG);
      if (w == pid)
        {
          *exit_status = skiff_exit_status (status);
          return 0;
        }
      if (w < 0 && errno != EINTR)
        return skiff_error_set (err, errno, "wait for process %d", (int) pid);
      /* SIGCHLD is in the set too: it wakes us when pid exits. */
      struct signalfd_siginfo si;
      ssize_t r = read (sfd, &si, sizeof si);
      if (r < 0 && errno != EINTR)
        return skiff_error_set (err, errno, "read signalfd");
      if (r == (ssize_t) sizeof si && si.ssi_signo != SIGCHLD)
        kill (pid, (int) si.ssi_signo);
    }
}

int
skiff_pid_file_write (const char *file, pid_t pid, skiff_error **err)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%d", (int) pid);
  const char *slash = strrchr (file, '/');
  cleanup_free char *dir = slash ? xstrndup (file, (size_t) (slash - file) + 1) : xstrdup (".");
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return skiff_error_set (err, errno, "pid file directory `%s`", dir);
  if (write_file_atomic (dfd, slash ? slash + 1 : file, buf, (size_t) n, 0644, err) < 0)
    return skiff_error_wrap (err, "write pid file `%s`", file);
  return 0;
}

int
skiff_payload_pass_fds (int n_extra, const int *own, size_t n_own, skiff_error **err)
{
  for (int fd = 3; fd < 3 + n_extra; fd++)
    {
      bool mine = false;
      for (size_t i = 0; i < n_own; i++)
        mine = mine || own[i] == fd;
      int fl = mine ? -1 : fcntl (fd, F_GETFD);
      if (fl >= 0 && fcntl (fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
        return skiff_error_set (err, errno, "preserve fd %d", fd);
    }
  /* Everything else goes now that setup no longer needs it; our own fds are
   * close-on-exec. */
  int r = close_fds_from (3 + n_extra, own, n_own);
  if (r < 0)
    return skiff_error_set (err, -r, "close inherited fds");
  return 0;
}
