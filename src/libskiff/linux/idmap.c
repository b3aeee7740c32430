#include "linux/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

bool
skiff_in_user_namespace (void)
{
  cleanup_free char *map = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, "/proc/self/uid_map", &map, &len, NULL) < 0)
    return false;
  unsigned long inside, outside, count;
  int used = 0;
  if (sscanf (map, "%lu %lu %lu%n", &inside, &outside, &count, &used) != 3)
    return false;
  bool identity = inside == 0 && outside == 0 && count == 4294967295UL;
  return !identity || map[used + strspn (map + used, " \n")] != '\0';
}

/* "container host size" lines, as uid_map/gid_map want them. */
static char *
format_map (const oci_id_mapping *maps, size_t n, size_t *len)
{
  size_t cap = n * 64 + 1;
  char *buf = xmalloc (cap);
  *len = 0;
  for (size_t i = 0; i < n; i++)
    *len += (size_t)snprintf (
        buf + *len, cap - *len, "%llu %llu %llu\n", (unsigned long long)maps[i].container_id.value,
        (unsigned long long)maps[i].host_id.value, (unsigned long long)maps[i].size.value);
  return buf;
}

static int
write_map_direct (pid_t pid, const char *file, const oci_id_mapping *maps, size_t n, skiff_error **err)
{
  size_t len;
  cleanup_free char *buf = format_map (maps, n, &len);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int)pid, file);
  /* The kernel accepts the whole map in a single write() only. */
  return write_file_at (AT_FDCWD, path, buf, len, err);
}

/* argv of newuidmap/newgidmap: tool pid (container host size)... */
static char **
tool_argv (const char *tool, pid_t pid, const oci_id_mapping *maps, size_t n)
{
  char **argv = NULL;
  size_t argc = 0;
  char num[32];
  strv_push (&argv, &argc, tool);
  snprintf (num, sizeof num, "%d", (int)pid);
  strv_push (&argv, &argc, num);
  for (size_t i = 0; i < n; i++)
    {
      unsigned long long v[3] = { maps[i].container_id.value, maps[i].host_id.value, maps[i].size.value };
      for (int k = 0; k < 3; k++)
        {
          snprintf (num, sizeof num, "%llu", v[k]);
          strv_push (&argv, &argc, num);
        }
    }
  return argv;
}

/* The tool's last line of output: what it says is wrong. */
static const char *
last_line (char *out)
{
  size_t n = strlen (out);
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
    out[--n] = '\0';
  char *nl = strrchr (out, '\n');
  return nl ? nl + 1 : out;
}

/* Run the setuid mapping helper; its stdout and stderr become the error. */
static int
run_map_tool (const char *tool, pid_t pid, const oci_id_mapping *maps, size_t n, skiff_error **err)
{
  cleanup_strv char **argv = tool_argv (tool, pid, maps, n);
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return skiff_error_set (err, errno, "%s: pipe", tool);
  pid_t child = fork ();
  if (child < 0)
    {
      int e = errno;
      close (fds[0]), close (fds[1]);
      return skiff_error_set (err, e, "%s: fork", tool);
    }
  if (child == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      dup2 (fds[1], STDERR_FILENO);
      execvp (tool, argv);
      fprintf (stderr, "cannot run %s (the uidmap package provides it): %s\n", tool, strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  cleanup_free char *out = NULL;
  size_t len = 0;
  int r = read_all_fd (fds[0], &out, &len);
  close (fds[0]);
  int status = 0;
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  cleanup_free char *cmd = NULL;
  for (size_t i = 0; argv[i]; i++)
    {
      char *c = cmd ? xasprintf ("%s %s", cmd, argv[i]) : xstrdup (argv[i]);
      free (cmd);
      cmd = c;
    }
  if (r < 0 || out == NULL || *out == '\0')
    return skiff_error_set (err, 0, "%s failed (status 0x%x)", cmd, (unsigned)status);
  return skiff_error_set (err, 0, "%s: %s", cmd, last_line (out));
}

/* A single mapping of our own id, size 1: what an unprivileged process may
 * write itself (user_namespaces(7), "Defining user and group ID mappings"). */
static bool
own_id_only (const oci_id_mapping *maps, size_t n, unsigned long long id)
{
  return n == 1 && maps[0].host_id.value == id && maps[0].size.value == 1;
}

static int
write_uid_map (pid_t pid, const oci_linux *lx, bool root, skiff_error **err)
{
  if (lx->n_uid_mappings == 0)
    return 0;
  if (root || own_id_only (lx->uid_mappings, lx->n_uid_mappings, geteuid ()))
    return write_map_direct (pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err);
  return run_map_tool ("newuidmap", pid, lx->uid_mappings, lx->n_uid_mappings, err);
}

static int
write_gid_map (pid_t pid, const oci_linux *lx, bool root, skiff_error **err)
{
  if (lx->n_gid_mappings == 0)
    return 0;
  if (root)
    return write_map_direct (pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err);
  if (!own_id_only (lx->gid_mappings, lx->n_gid_mappings, getegid ()))
    return run_map_tool ("newgidmap", pid, lx->gid_mappings, lx->n_gid_mappings, err);
  /* Without CAP_SETGID in the parent namespace the kernel takes a gid_map
   * only once setgroups(2) is disabled for good in the new namespace, so
   * nobody inside can drop a group that restricts access on the host. */
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/setgroups", (int)pid);
  if (write_file_at (AT_FDCWD, path, "deny", 4, err) < 0)
    return -1;
  return write_map_direct (pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err);
}

int
skiff_idmap_write (pid_t pid, const oci_linux *linux_, skiff_error **err)
{
  bool root = geteuid () == 0;
  if (write_uid_map (pid, linux_, root, err) < 0)
    return skiff_error_wrap (err, "write uid mappings");
  if (write_gid_map (pid, linux_, root, err) < 0)
    return skiff_error_wrap (err, "write gid mappings");
  return 0;
}

int
skiff_userns_from_maps (const oci_id_mapping *uids, size_t n_uids, const oci_id_mapping *gids, size_t n_gids,
                        int *fd, skiff_error **err)
{
  int hold[2];
  if (pipe2 (hold, O_CLOEXEC) < 0)
    return skiff_error_set (err, errno, "pipe");
  /* The child only waits for the pipe to close: it exists so that the new
   * namespace has a /proc entry to write the maps to and to open. */
  pid_t pid = (pid_t)syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0)
    {
      char c;
      close (hold[1]);
      while (read (hold[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  int e = errno;
  close (hold[0]);
  if (pid < 0)
    {
      close (hold[1]);
      return skiff_error_set (err, e, "clone a user namespace for an id mapping");
    }
  int r = write_map_direct (pid, "uid_map", uids, n_uids, err);
  if (r == 0)
    r = write_map_direct (pid, "gid_map", gids, n_gids, err);
  if (r == 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", (int)pid);
      *fd = open (path, O_RDONLY | O_CLOEXEC);
      if (*fd < 0)
        r = skiff_error_set (err, errno, "open `%s`", path);
    }
  close (hold[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r;
}
