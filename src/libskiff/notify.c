#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define NOTIFY_FILE "notify.sock"

static int
sockaddr_for (const char *path, struct sockaddr_un *sa, skiff_error **err)
{
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof sa->sun_path)
    return skiff_error_set (err, ENAMETOOLONG, "notify socket `%s`", path);
  strcpy (sa->sun_path, path);
  return 0;
}

/* The container sees the socket where the caller's NOTIFY_SOCKET points. */
static void
add_to_spec (oci_spec *spec, const char *container_path, const char *path_inside)
{
  spec->mounts = xrealloc (spec->mounts, (spec->n_mounts + 1) * sizeof *spec->mounts);
  oci_mount *m = &spec->mounts[spec->n_mounts++];
  memset (m, 0, sizeof *m);
  m->destination = xstrdup (path_inside);
  m->source = xstrdup (container_path);
  m->type = xstrdup ("bind");
  static const char *const opts[] = { "bind", "nosuid", "nodev", "noexec" };
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    strv_push (&m->options, &m->n_options, opts[i]);
  oci_process *p = spec->process;
  for (size_t i = 0; i < p->n_env; i++)
    if (strncmp (p->env[i], "NOTIFY_SOCKET=", 14) == 0)
      {
        free (p->env[i]);
        p->env[i] = xasprintf ("NOTIFY_SOCKET=%s", path_inside);
        return;
      }
  cleanup_free char *kv = xasprintf ("NOTIFY_SOCKET=%s", path_inside);
  strv_push (&p->env, &p->n_env, kv);
}

int
skiff_notify_prepare (skiff_notify *n, const char *state_dir, oci_spec *spec, skiff_error **err)
{
  memset (n, 0, sizeof *n);
  n->fd = -1;
  const char *host = getenv ("NOTIFY_SOCKET");
  if (host == NULL || *host == '\0')
    return 0;
  if (host[0] != '/')
    return skiff_error_set (err, 0, "NOTIFY_SOCKET `%s`: only socket paths are supported", host);
  n->host_path = xstrdup (host);
  n->container_path = xasprintf ("%s/%s", state_dir, NOTIFY_FILE);
  struct sockaddr_un sa;
  if (sockaddr_for (n->container_path, &sa, err) < 0)
    return -1;
  n->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (n->fd < 0)
    return skiff_error_set (err, errno, "notify socket `%s`", n->container_path);
  if (bind (n->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    return skiff_error_set (err, errno, "bind notify socket `%s`", n->container_path);
  add_to_spec (spec, n->container_path, host);
  return 0;
}

static void
forward (const char *host_path, const char *msg, size_t len, pid_t init_pid)
{
  struct sockaddr_un sa;
  if (sockaddr_for (host_path, &sa, NULL) < 0)
    return;
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  /* The container's pids mean nothing to the host's service manager. */
  cleanup_free char *out = xasprintf ("%.*s\nMAINPID=%d", (int) len, msg, (int) init_pid);
  sendto (fd, out, strlen (out), MSG_NOSIGNAL, (struct sockaddr *) &sa, sizeof sa);
  close (fd);
}

static bool
has_ready (const char *msg, size_t len)
{
  for (const char *p = msg; p < msg + len;)
    {
      const char *nl = memchr (p, '\n', (size_t) (msg + len - p));
      size_t l = nl ? (size_t) (nl - p) : (size_t) (msg + len - p);
      if (l == 7 && memcmp (p, "READY=1", 7) == 0)
        return true;
      p += l + 1;
    }
  return false;
}

static __attribute__ ((noreturn)) void
relay (const skiff_notify *n, pid_t init_pid, int pidfd)
{
  char buf[4096];
  struct pollfd fds[2] = { { .fd = n->fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
  for (;;)
    {
      if (poll (fds, 2, -1) < 0 && errno != EINTR)
        _exit (1);
      if (fds[1].revents)
        _exit (0); /* the init died: nobody will be ready */
      if (!(fds[0].revents & POLLIN))
        continue;
      ssize_t r = recv (n->fd, buf, sizeof buf, 0);
      if (r <= 0)
        continue;
      forward (n->host_path, buf, (size_t) r, init_pid);
      if (has_ready (buf, (size_t) r))
        _exit (0);
    }
}

int
skiff_notify_start_relay (skiff_notify *n, pid_t init_pid, skiff_error **err)
{
  if (n->fd < 0)
    return 0;
  int pidfd = (int) syscall (SYS_pidfd_open, init_pid, 0);
  if (pidfd < 0)
    return skiff_error_set (err, errno, "pidfd_open %d", (int) init_pid);
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (pidfd);
      return skiff_error_set (err, errno, "fork notify relay");
    }
  if (pid == 0)
    {
      /* Detach: the caller of create may wait for its stdio to close. */
      setsid ();
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      for (int i = 0; i < 3 && null >= 0; i++)
        dup2 (null, i);
      int keep[2] = { n->fd, pidfd };
      close_fds_from (3, keep, 2);
      if (fork () != 0)
        _exit (0); /* the grandchild is reparented: nobody has to reap it */
      relay (n, init_pid, pidfd);
    }
  close (pidfd);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  skiff_notify_release (n);
  return 0;
}

void
skiff_notify_release (skiff_notify *n)
{
  if (n->fd >= 0)
    close (n->fd);
  n->fd = -1;
  free (n->host_path);
  free (n->container_path);
  n->host_path = n->container_path = NULL;
}
