#include "linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static const struct
{
  const char *type; /* runtime-spec name */
  const char *proc; /* /proc/<pid>/ns/<proc> */
  int flag;
} ns_table[] = {
  { "user", "user", CLONE_NEWUSER },     /* first: others are owned by it */
  { "pid", "pid", CLONE_NEWPID },
  { "network", "net", CLONE_NEWNET },
  { "ipc", "ipc", CLONE_NEWIPC },
  { "uts", "uts", CLONE_NEWUTS },
  { "mount", "mnt", CLONE_NEWNS },
  { "cgroup", "cgroup", CLONE_NEWCGROUP },
  { "time", "time", CLONE_NEWTIME },
};
#define N_NS (sizeof ns_table / sizeof ns_table[0])

int
skiff_ns_flag (const char *type)
{
  for (size_t i = 0; i < N_NS; i++)
    if (strcmp (ns_table[i].type, type) == 0)
      return ns_table[i].flag;
  return 0;
}

const char *
skiff_ns_proc_name (int flag)
{
  for (size_t i = 0; i < N_NS; i++)
    if (ns_table[i].flag == flag)
      return ns_table[i].proc;
  return NULL;
}

int
skiff_ns_plan_build (const oci_linux *linux_, skiff_ns_plan *plan, skiff_error **err)
{
  memset (plan, 0, sizeof *plan);
  for (size_t i = 0; i < 8; i++)
    plan->join_fds[i] = -1;
  if (linux_ == NULL)
    return 0;
  /* Walk the table, not the config, so the join order is always user first. */
  for (size_t t = 0; t < N_NS; t++)
    for (size_t i = 0; i < linux_->n_namespaces; i++)
      {
        const oci_namespace *ns = &linux_->namespaces[i];
        if (skiff_ns_flag (ns->type) != ns_table[t].flag)
          continue;
        if (ns->path == NULL || ns->path[0] == '\0')
          {
            plan->new_flags |= ns_table[t].flag;
            continue;
          }
        int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          {
            skiff_ns_plan_close (plan);
            return skiff_error_set (err, errno, "open %s namespace `%s`", ns->type, ns->path);
          }
        plan->join_fds[plan->n_join] = fd;
        plan->join_types[plan->n_join] = ns_table[t].flag;
        plan->n_join++;
        plan->join_flags |= ns_table[t].flag;
      }
  return 0;
}

void
skiff_ns_plan_close (skiff_ns_plan *plan)
{
  for (size_t i = 0; i < plan->n_join; i++)
    if (plan->join_fds[i] >= 0)
      {
        close (plan->join_fds[i]);
        plan->join_fds[i] = -1;
      }
}

int
skiff_ns_plan_fd (const skiff_ns_plan *plan, int flag)
{
  for (size_t i = 0; i < plan->n_join; i++)
    if (plan->join_types[i] == flag)
      return plan->join_fds[i];
  return -1;
}

int
skiff_ns_join (const skiff_ns_plan *plan, int which, skiff_error **err)
{
  for (size_t i = 0; i < plan->n_join; i++)
    {
      if (!(plan->join_types[i] & which))
        continue;
      if (setns (plan->join_fds[i], plan->join_types[i]) < 0)
        return skiff_error_set (err, errno, "join %s namespace",
                                skiff_ns_proc_name (plan->join_types[i]));
    }
  return 0;
}

int
skiff_ns_prepare_time (const oci_linux *linux_, skiff_error **err)
{
  if (unshare (CLONE_NEWTIME) < 0)
    return skiff_error_set (err, errno, "unshare time namespace");
  if (linux_->n_time_offsets == 0)
    return 0;
  char buf[256];
  size_t len = 0;
  for (size_t i = 0; i < linux_->n_time_offsets; i++)
    {
      const oci_time_offset *o = &linux_->time_offsets[i];
      len += (size_t) snprintf (buf + len, sizeof buf - len, "%s %lld %llu\n", o->name,
                                (long long) o->secs.value, (unsigned long long) o->nanosecs.value);
      if (len >= sizeof buf)
        return skiff_error_set (err, E2BIG, "time offsets");
    }
  return write_file_at (AT_FDCWD, "/proc/self/timens_offsets", buf, len, err);
}
