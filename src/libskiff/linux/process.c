/* Per-process attributes of the container init: rlimits, oom score, umask,
 * personality, cwd, no_new_privs and the lookup of the executable. The
 * credential sequence is in caps.c. */
#include "process.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int
skiff_rlimits_apply (const oci_process *process, skiff_error **err)
{
  for (size_t i = 0; i < process->n_rlimits; i++)
    {
      const oci_rlimit *rl = &process->rlimits[i];
      int res = rl->type ? oci_rlimit_from_name (rl->type) : -1;
      if (res < 0)
        return skiff_error_set (err, EINVAL, "unknown rlimit `%s`", rl->type ? rl->type : "");
      struct rlimit lim = { .rlim_cur = rl->soft.value, .rlim_max = rl->hard.value };
      if (setrlimit (res, &lim) < 0)
        return skiff_error_set (err, errno, "setrlimit %s", rl->type);
    }
  return 0;
}

int
skiff_oom_score_adj_apply (const oci_process *process, skiff_error **err)
{
  if (!process->oom_score_adj.set)
    return 0;
  char buf[32];
  snprintf (buf, sizeof buf, "%" PRId64, process->oom_score_adj.value);
  if (skiff_procfs_write ("/proc/self/oom_score_adj", buf, err) < 0)
    return skiff_error_wrap (err, "set oom_score_adj %s", buf);
  return 0;
}

void
skiff_umask_apply (const oci_process *process)
{
  const oci_user *u = process->user;
  umask (u && u->umask.set ? (mode_t) (u->umask.value & 07777) : 0022);
}

int
skiff_personality_apply (const oci_personality *p, skiff_error **err)
{
  if (p == NULL)
    return 0;
  unsigned long persona;
  if (p->domain == NULL || strcmp (p->domain, "LINUX") == 0)
    persona = PER_LINUX;
  else if (strcmp (p->domain, "LINUX32") == 0)
    persona = PER_LINUX32;
  else
    return skiff_error_set (err, EINVAL, "unsupported personality domain `%s`", p->domain);
  if (p->n_flags > 0)
    return skiff_error_set (err, ENOTSUP, "personality flags are not supported (`%s`)", p->flags[0]);
  if (personality (persona) < 0)
    return skiff_error_set (err, errno, "personality %s", p->domain ? p->domain : "LINUX");
  return 0;
}

int
skiff_no_new_privs_apply (const oci_process *process, skiff_error **err)
{
  if (!(process->no_new_privileges.set && process->no_new_privileges.value))
    return 0;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return skiff_error_set (err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

int
skiff_cwd_apply (const oci_process *process, skiff_error **err)
{
  const char *cwd = process->cwd && *process->cwd ? process->cwd : "/";
  if (cwd[0] != '/')
    return skiff_error_set (err, EINVAL, "cwd `%s` is not an absolute path", cwd);
  if (chdir (cwd) < 0)
    return skiff_error_set (err, errno, "chdir to cwd `%s`", cwd);
  /* A cwd reached through a leaked host fd (/proc/self/fd/N, CVE-2024-21626)
   * lies outside our root: the kernel then reports "(unreachable)..." and
   * glibc turns that into ENOENT. Either way we refuse it. */
  char buf[PATH_MAX];
  if (getcwd (buf, sizeof buf) == NULL)
    return skiff_error_set (err, errno, "cwd `%s` is outside the container root", cwd);
  if (buf[0] != '/')
    return skiff_error_set (err, ENOENT, "cwd `%s` is outside the container root", cwd);
  return 0;
}

/* "/proc/<self|thread-self|N>[/task/N]/fd[/...]": where a leaked runtime fd
 * would show up (CVE-2016-9962, CVE-2024-21626). */
static bool
is_proc_fd_path (const char *s)
{
  if (strncmp (s, "/proc/", 6) != 0)
    return false;
  s += 6;
  if (strncmp (s, "self/", 5) == 0)
    s += 5;
  else if (strncmp (s, "thread-self/", 12) == 0)
    s += 12;
  else
    {
      const char *d = s;
      while (isdigit ((unsigned char) *s))
        s++;
      if (s == d || *s++ != '/')
        return false;
      if (strncmp (s, "task/", 5) == 0)
        {
          s += 5;
          for (d = s; isdigit ((unsigned char) *s); s++)
            ;
          if (s == d || *s++ != '/')
            return false;
        }
    }
  return strncmp (s, "fd", 2) == 0 && (s[2] == '\0' || s[2] == '/');
}

/* Whether the symlink at path sits in a procfs directory; /proc/self and
 * /proc/thread-self are ordinary symlinks and allowed. */
static bool
symlink_on_procfs (char *path)
{
  char *slash = strrchr (path, '/');
  if (slash == NULL || strcmp (slash + 1, "self") == 0 || strcmp (slash + 1, "thread-self") == 0)
    return false;
  /* statfs the parent: statfs on the link itself would follow it. */
  char saved = slash[1];
  slash[1] = '\0';
  struct statfs sfs;
  bool proc = statfs (path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
  slash[1] = saved;
  return proc;
}

/* Without openat2: lstat every prefix and refuse a symlink that lives on
 * procfs, other than /proc/self and /proc/thread-self (plain symlinks). */
static bool
walks_proc_symlink (const char *path)
{
  cleanup_free char *buf = xstrdup (path);
  for (char *slash = buf + 1;; slash++)
    {
      slash = strchr (slash, '/');
      if (slash)
        *slash = '\0';
      struct stat st;
      if (lstat (buf, &st) == 0 && S_ISLNK (st.st_mode) && symlink_on_procfs (buf))
        return true;
      if (slash == NULL)
        return false;
      *slash = '/';
    }
}

/* The executable must not be reached through a procfs magic link: a leaked
 * host fd would otherwise let the container run (or reach) host files. */
static int
check_exec_path (const char *arg0, const char *path, skiff_error **err)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS };
  cleanup_close int fd = (int) syscall (SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  bool magic = fd < 0 && errno == ELOOP;
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) /* kernel < 5.6, or filtered */
    magic = walks_proc_symlink (path);
  cleanup_free char *real = realpath (path, NULL);
  if (real == NULL && !magic)
    return skiff_error_set (err, errno, "exec: \"%s\": stat %s", arg0, path);
  if (magic || is_proc_fd_path (real))
    return skiff_error_set (err, ENOENT, "exec: \"%s\": refusing a path through /proc/<pid>/fd", arg0);
  return 0;
}

static const char *
env_path (const oci_process *process)
{
  for (size_t i = 0; i < process->n_env; i++)
    if (process->env[i] && strncmp (process->env[i], "PATH=", 5) == 0)
      return process->env[i] + 5;
  return DEFAULT_PATH;
}

static bool
is_executable_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && faccessat (AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

int
skiff_exec_path_find (const oci_process *process, char **out, skiff_error **err)
{
  if (process->n_args == 0 || process->args[0] == NULL || process->args[0][0] == '\0')
    return skiff_error_set (err, EINVAL, "process.args must not be empty");
  const char *arg0 = process->args[0];
  if (strchr (arg0, '/') != NULL)
    {
      if (check_exec_path (arg0, arg0, err) < 0)
        return -1;
      /* Fail at create, as runc does, rather than at exec after start. */
      if (!is_executable_file (arg0))
        return skiff_error_set (err, access (arg0, F_OK) == 0 ? EACCES : ENOENT, "exec: \"%s\"", arg0);
      *out = xstrdup (arg0);
      return 0;
    }
  cleanup_free char *dirs = xstrdup (env_path (process));
  char *save = dirs;
  for (char *dir; (dir = strsep (&save, ":")) != NULL;)
    {
      /* An empty PATH element means the current directory (execvp(3)). */
      cleanup_free char *cand = xasprintf ("%s/%s", *dir ? dir : ".", arg0);
      if (!is_executable_file (cand))
        continue;
      if (check_exec_path (arg0, cand, err) < 0)
        return -1;
      *out = take_ptr (&cand);
      return 0;
    }
  skiff_error_set (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
  if (err && *err)
    (*err)->errnum = ENOENT;
  return -1;
}
