/* skiff_cgroup_entry: joining a cgroup without the cost of cgroup.procs.
 * See cgroup.h for why. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util.h"

int
skiff_cgroup_entry_open (const char *path, skiff_cgroup_entry *e, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_host_load (&h, err) < 0)
    return -1;
  e->path = xstrdup (path);
  e->tasks_fds = xzalloc ((h.n_v1 + 1) * sizeof (int));
  for (size_t i = 0; i < h.n_v1; i++)
    {
      cleanup_free char *dir = cg_join (h.v1[i].mount, path);
      cleanup_free char *tasks = xasprintf ("%s/tasks", dir);
      int fd = open (tasks, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        return skiff_error_set (err, errno, "open `%s`", tasks);
      e->tasks_fds[e->n_tasks++] = fd;
    }
  /* A non-root caller cannot move a process into the hybrid unified tree
   * (it needs write access to cgroup.procs of the common ancestor, the
   * host's root); runc never joins it there, a delegated v1 cgroup is
   * enough (cgroup-v2.rst, "Delegation"). */
  if (h.unified && !(h.layout == SKIFF_CGROUP_HYBRID && geteuid () != 0))
    {
      e->v2_dir = cg_join (h.unified, path);
      e->clone_fd = open (e->v2_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (e->clone_fd < 0)
        return skiff_error_set (err, errno, "open `%s`", e->v2_dir);
    }
  return 0;
}

/* Runs in the new process before anything else. The fds are closed here:
 * one that landed in the --preserve-fds range must not reach the payload. */
int
skiff_cgroup_entry_join_self (skiff_cgroup_entry *e, skiff_error **err)
{
  int r = 0;
  for (size_t i = 0; i < e->n_tasks && r == 0; i++)
    if (write (e->tasks_fds[i], "0", 1) != 1)
      r = skiff_error_set (err, errno, "join cgroup `%s` (v1 hierarchy %zu of %zu)",
                           e->path, i + 1, e->n_tasks);
  skiff_cgroup_entry_close (e);
  return r;
}

pid_t
skiff_cgroup_entry_clone (const skiff_cgroup_entry *e, int flags, bool *cloned_into)
{
  struct clone_args ca = { .flags = (unsigned) flags, .exit_signal = SIGCHLD };
  pid_t pid = -1;
  *cloned_into = false;
  if (e->clone_fd >= 0)
    {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (unsigned) e->clone_fd;
      pid = (pid_t) syscall (SYS_clone3, &ca, sizeof ca);
      /* Any refusal (old kernel, a filter, a cgroup with controllers in
       * subtree_control) is retried plainly; skiff_cgroup_entry_finish's
       * write to cgroup.procs then reports the real reason. */
      if (pid >= 0)
        *cloned_into = true;
      ca.flags &= ~(unsigned long long) CLONE_INTO_CGROUP;
      ca.cgroup = 0;
    }
  if (pid < 0)
    pid = (pid_t) syscall (SYS_clone3, &ca, sizeof ca);
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  return pid;
}

int
skiff_cgroup_entry_finish (const skiff_cgroup_entry *e, pid_t pid, bool cloned_into,
                           skiff_error **err)
{
  if (e->v2_dir == NULL || cloned_into)
    return 0;
  return cg_write_pid (e->v2_dir, pid, err);
}

void
skiff_cgroup_entry_close (skiff_cgroup_entry *e)
{
  for (size_t i = 0; i < e->n_tasks; i++)
    close (e->tasks_fds[i]);
  free (e->tasks_fds);
  e->tasks_fds = NULL;
  e->n_tasks = 0;
  if (e->clone_fd >= 0)
    close (e->clone_fd);
  e->clone_fd = -1;
  free (e->v2_dir);
  e->v2_dir = NULL;
  free (e->path);
  e->path = NULL;
}
