/* SCMP_ACT_NOTIFY: the listener fd of a freshly loaded filter goes to the
 * seccomp agent at linux.seccomp.listenerPath, with the container process
 * state (config-linux.md, "The Container Process State").
 *
 * The order matters (seccomp.h): the process that loaded the filter is
 * stuck in any syscall the filter notifies until an agent answers, and no
 * agent can answer before it has the fd. The one syscall between the load
 * and the agent having the fd is the write(2) below, which the profile may
 * not notify (skiff_seccomp_check); the fd itself travels by pidfd_getfd(2),
 * run by the runtime, which no filter of the container sees. */
#include "seccomp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "sync.h"
#include "util.h"

int
skiff_seccomp_handover (int sync_fd, int listener, skiff_error **err)
{
  char text[16];
  snprintf (text, sizeof text, "%d", listener);
  if (skiff_sync_write (sync_fd, SKIFF_SYNC_SECCOMP, text, err) < 0)
    return skiff_error_wrap (err, "seccomp: hand over the listener");
  /* Keep our copy until the runtime has taken its own: GO says it has. */
  if (skiff_sync_wait_go (sync_fd, NULL, err) < 0)
    return skiff_error_wrap (err, "seccomp: wait for the listener to be passed on");
  return 0;
}

/* Our own copy of fd number remote of pid (5.6+). The runtime may: it is
 * root on the host and the process is its child. */
static int
copy_listener (pid_t pid, const char *fd_text, skiff_error **err)
{
  long remote;
  if (fd_text == NULL || parse_long (fd_text, 0, INT_MAX, &remote) < 0)
    return skiff_error_set (err, EPROTO, "seccomp: bad listener fd `%s` from the container",
                            fd_text ? fd_text : "");
  cleanup_close int pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return skiff_error_set (err, errno, "seccomp: pidfd_open %d", (int)pid);
  int fd = (int)syscall (SYS_pidfd_getfd, pidfd, (int)remote, 0);
  if (fd < 0)
    return skiff_error_set (err, errno, "seccomp: take the listener fd %ld of process %d (pidfd_getfd)",
                            remote, (int)pid);
  return fd; /* pidfd_getfd sets close-on-exec */
}

/* The whole JSON; the fd rides on the first sendmsg only (the spec's rule
 * for a state sent in several calls). */
static int
send_state (int sock, int fd, const char *json, const char *path, skiff_error **err)
{
  size_t len = strlen (json), off = 0;
  while (off < len)
    {
      struct iovec iov = { .iov_base = (char *)json + off, .iov_len = len - off };
      union
      {
        char buf[CMSG_SPACE (sizeof (int))];
        struct cmsghdr align;
      } ctl = { 0 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
      if (off == 0)
        {
          msg.msg_control = ctl.buf;
          msg.msg_controllen = sizeof ctl.buf;
          struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
          c->cmsg_level = SOL_SOCKET;
          c->cmsg_type = SCM_RIGHTS;
          c->cmsg_len = CMSG_LEN (sizeof (int));
          memcpy (CMSG_DATA (c), &fd, sizeof fd);
        }
      ssize_t n = sendmsg (sock, &msg, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return skiff_error_set (err, n < 0 ? errno : EPIPE,
                                "seccomp: send the container process state to `%s`", path);
      off += (size_t)n;
    }
  return 0;
}

int
skiff_seccomp_forward (const oci_seccomp *seccomp, pid_t pid, const char *fd_text, const oci_state *state,
                       skiff_error **err)
{
  const char *path = seccomp ? seccomp->listener_path : NULL;
  if (path == NULL || *path == '\0') /* skiff_seccomp_check refused this already */
    return skiff_error_set (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  cleanup_close int listener = copy_listener (pid, fd_text, err);
  if (listener < 0)
    return -1;
  cleanup_close int sock = unix_connect (path, "seccomp listenerPath", err);
  if (sock < 0)
    return -1;
  char *fds[] = { "seccompFd" };
  oci_process_state ps = {
    .oci_version = SKIFF_OCI_VERSION,
    .fds = fds,
    .n_fds = 1,
    .pid = { pid, true },
    .metadata = seccomp->listener_metadata && *seccomp->listener_metadata ? seccomp->listener_metadata : NULL,
    .state = (oci_state *)state,
  };
  cleanup_free char *json = oci_process_state_to_json (&ps, false);
  if (json == NULL)
    return skiff_error_set (err, ENOMEM, "seccomp: serialize the container process state");
  /* Then our copies close: the agent holds the only one outside the container. */
  return send_state (sock, listener, json, path, err);
}
