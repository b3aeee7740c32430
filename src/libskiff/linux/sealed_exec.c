#include "sealed_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool
has_cap (char *const *v, size_t n, const char *cap)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], cap) == 0)
      return true;
  return false;
}

bool
skiff_sealed_exec_needed (const oci_spec *spec)
{
  const oci_linux *lx = spec->linux_;
  for (size_t i = 0; lx && i < lx->n_namespaces; i++)
    if (strcmp (lx->namespaces[i].type, "user") == 0)
      return false; /* its CAP_SYS_PTRACE is not over the host user namespace */
  const oci_capabilities *c = spec->process ? spec->process->capabilities : NULL;
  /* Bounding, not effective: a setuid binary in the image can raise it. */
  return c && has_cap (c->bounding, c->n_bounding, "CAP_SYS_PTRACE");
}

/* Already running from a sealed memfd? */
static bool
running_sealed (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int
sealed_copy (skiff_error **err)
{
  cleanup_close int src = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return skiff_error_set (err, errno, "open /proc/self/exe");
  struct stat st;
  if (fstat (src, &st) < 0)
    return skiff_error_set (err, errno, "stat /proc/self/exe");
  cleanup_close int mfd = memfd_create ("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return skiff_error_set (err, errno, "memfd_create");
  for (off_t left = st.st_size; left > 0;)
    {
      ssize_t n = sendfile (mfd, src, NULL, (size_t) left);
      if (n <= 0)
        return skiff_error_set (err, n < 0 ? errno : EIO, "copy the runtime binary");
      left -= n;
    }
  if (fcntl (mfd, F_ADD_SEALS, SEALS) < 0)
    return skiff_error_set (err, errno, "seal the runtime binary copy");
  return take_fd (&mfd);
}
/* Our argv, from /proc/self/cmdline (NUL-separated). */
static char **
own_argv (skiff_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, "/proc/self/cmdline", &buf, &len, err) < 0)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += buf[i] == '\0';
  char **argv = xzalloc ((n + 1) * sizeof *argv);
  size_t k = 0;
  for (size_t i = 0; i < len && k < n; i += strlen (buf + i) + 1)
    argv[k++] = xstrdup (buf + i);
  return argv;
}
int
skiff_sealed_exec (skiff_error **err)
{
  if (running_sealed ())
    return 0;
  cleanup_strv char **argv = own_argv (err);
  if (argv == NULL)
    return -1;
  cleanup_close int mfd = sealed_copy (err);
  if (mfd < 0)
    return -1;
  /* execveat(AT_EMPTY_PATH) runs an ELF from a close-on-exec fd fine. */
  syscall (SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  return skiff_error_set (err, errno, "re-exec from a sealed copy of the runtime");
}