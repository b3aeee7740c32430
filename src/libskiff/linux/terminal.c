/* process.terminal: the pty is created inside the container (its devpts
 * instance), the slave becomes /dev/console and stdio, and the master goes
 * to whoever listens on --console-socket (conmon, containerd-shim, podman),
 * one SCM_RIGHTS message as runc sends it. */
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "safe_path.h"
#include "util.h"

/* Unix98 pty majors (Documentation/admin-guide/devices.txt). */
#define PTMX_MAJOR 5
#define PTS_MAJOR_FIRST 136
#define PTS_MAJOR_LAST 143

int
skiff_console_socket_connect (const char *path, skiff_error **err)
{
  return unix_connect (path, "console socket", err);
}

static int
check_chardev (int fd, unsigned min_major, unsigned max_major, const char *what, skiff_error **err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return skiff_error_set (err, errno, "fstat %s", what);
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) < min_major || major (st.st_rdev) > max_major)
    return skiff_error_set (err, EPERM, "%s is not a pty device (%u:%u)", what, major (st.st_rdev),
                            minor (st.st_rdev));
  return 0;
}

/* Open the slave without a path lookup when the kernel can (TIOCGPTPEER,
 * 4.13): a path in the container's /dev/pts could be swapped. */
static int
open_slave (int master, const char *name, skiff_error **err)
{
  int fd = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 && (errno == EINVAL || errno == ENOTTY))
    fd = open (name, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open pty slave `%s`", name);
  cleanup_close int slave = fd;
  if (check_chardev (slave, PTS_MAJOR_FIRST, PTS_MAJOR_LAST, name, err) < 0)
    return -1;
  return take_fd (&slave);
}

/* An fd on /dev/console to mount over, from an fd on /dev (never following
 * a symlink the image planted: CVE-2025-52565 class). A symlink or other
 * odd node is replaced by an empty regular file. */
static int
open_console_target (skiff_error **err)
{
  cleanup_close int dev = open ("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dev < 0)
    return skiff_error_set (err, errno, "open `/dev` (it must be a directory)");
  struct stat st;
  bool exists = fstatat (dev, "console", &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
    {
      if (unlinkat (dev, "console", S_ISDIR (st.st_mode) ? AT_REMOVEDIR : 0) < 0)
        return skiff_error_set (err, errno, "remove `/dev/console`");
      exists = false;
    }
  /* Never open an existing node for I/O: it may be a real console. */
  int fd;
  if (!exists)
    {
      fd = openat (dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0)
        return skiff_error_set (err, errno, "create `/dev/console`");
      close (fd);
    }
  fd = openat (dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open `/dev/console`");
  return fd;
}

/* Bind the slave over /dev/console through fds only (safe_path.c). */
static int
bind_console (int slave, const char *name, skiff_error **err)
{
  cleanup_close int target = open_console_target (err);
  if (target < 0)
    return -1;
  return mount_bind_fd (slave, name, target, "/dev/console", false, err);
}

static int
set_window_size (int master, const oci_console_size *size, skiff_error **err)
{
  if (size == NULL || (!size->height.set && !size->width.set))
    return 0;
  struct winsize ws = {
    .ws_row = (unsigned short) size->height.value,
    .ws_col = (unsigned short) size->width.value,
  };
  if (ioctl (master, TIOCSWINSZ, &ws) < 0)
    return skiff_error_set (err, errno, "set the terminal size (TIOCSWINSZ)");
  return 0;
}

int
skiff_terminal_setup (int socket_fd, const oci_console_size *size, skiff_error **err)
{
  /* After pivot_root: this is the container's devpts, so the pty belongs to
   * the container, not to the host's /dev/pts. */
  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return skiff_error_set (err, errno, "open `/dev/ptmx`");
  if (check_chardev (master, PTMX_MAJOR, PTMX_MAJOR, "`/dev/ptmx`", err) < 0)
    return -1;
  if (unlockpt (master) < 0)
    return skiff_error_set (err, errno, "unlockpt");
  char name[64];
  int r = ptsname_r (master, name, sizeof name);
  if (r != 0)
    return skiff_error_set (err, r, "ptsname");
  cleanup_close int slave = open_slave (master, name, err);
  if (slave < 0)
    return -1;
  if (set_window_size (master, size, err) < 0 || bind_console (slave, name, err) < 0)
    return -1;
  if (skiff_send_fd (socket_fd, master, name, err) < 0)
    return skiff_error_wrap (err, "send the pty master to the console socket");
  return take_fd (&slave);
}

int
skiff_terminal_attach_stdio (int slave_fd, skiff_error **err)
{
  /* init.c makes us a session leader only when there is no terminal; a
   * session leader already (EPERM) is what we need anyway. */
  if (setsid () < 0 && !(errno == EPERM && getsid (0) == getpid ()))
    return skiff_error_set (err, errno, "setsid");
  if (ioctl (slave_fd, TIOCSCTTY, 0) < 0)
    return skiff_error_set (err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
  for (int fd = 0; fd <= 2; fd++)
    {
      /* dup2 onto itself keeps FD_CLOEXEC: the payload must inherit it. */
      if (fd == slave_fd)
        {
          if (fcntl (fd, F_SETFD, 0) < 0)
            return skiff_error_set (err, errno, "clear close-on-exec on fd %d", fd);
        }
      else if (dup2 (slave_fd, fd) < 0)
        return skiff_error_set (err, errno, "dup2 the pty to fd %d", fd);
    }
  return 0;
}

int
skiff_send_fd (int sock, int fd, const char *name, skiff_error **err)
{
  /* A stream socket needs at least one byte of payload to carry the
   * ancillary data; runc sends the pty name there. */
  const char *payload = name && *name ? name : "";
  struct iovec iov = { .iov_base = (void *) payload, .iov_len = strlen (payload) + (*payload ? 0 : 1) };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl = { 0 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_error_set (err, errno, "sendmsg (SCM_RIGHTS)");
  return 0;
}

/* Close any fds a peer passed beyond the first one: they must not leak. */
static int
take_first_fd (struct msghdr *msg)
{
  int first = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      size_t n = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (size_t i = 0; i < n; i++)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (c) + i * sizeof (int), sizeof fd);
          if (first < 0)
            first = fd;
          else
            close (fd);
        }
    }
  return first;
}

int
skiff_recv_fd (int sock, skiff_error **err)
{
  char payload[4096];
  struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
  union
  {
    char buf[CMSG_SPACE (sizeof (int) * 4)];
    struct cmsghdr align;
  } ctl;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_error_set (err, errno, "recvmsg (SCM_RIGHTS)");
  if (n == 0)
    return skiff_error_set (err, 0, "recvmsg (SCM_RIGHTS): connection closed before an fd arrived");
  int fd = take_first_fd (&msg);
  if (msg.msg_flags & MSG_CTRUNC)
    {
      if (fd >= 0)
        close (fd);
      return skiff_error_set (err, EMSGSIZE, "recvmsg (SCM_RIGHTS): control data truncated");
    }
  if (fd < 0)
    return skiff_error_set (err, EBADMSG, "recvmsg: message carried no fd");
  return fd;
}
