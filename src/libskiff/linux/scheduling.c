#include "scheduling.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* sched_setattr(2)'s argument, the kernel ABI (<linux/sched/types.h>
 * cannot be included next to glibc's <sched.h>). */
struct sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

static const struct
{
  const char *name;
  unsigned policy;
} policies[] = {
  { "SCHED_OTHER", SCHED_NORMAL }, { "SCHED_FIFO", SCHED_FIFO },   { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH },  { "SCHED_IDLE", SCHED_IDLE },   { "SCHED_DEADLINE", SCHED_DEADLINE },
};

static const struct
{
  const char *name;
  unsigned long long flag;
} sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK },
  { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
  { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },
  { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
  { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },
  { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
};

#define LEN(a) (sizeof (a) / sizeof ((a)[0]))

int
skiff_scheduler_apply (const oci_scheduler *s, skiff_error **err)
{
  if (s == NULL)
    return 0;
  struct sched_attr attr = { .size = sizeof attr };
  size_t i;
  for (i = 0; i < LEN (policies) && (s->policy == NULL || strcmp (s->policy, policies[i].name) != 0); i++)
    ;
  if (i == LEN (policies))
    return skiff_error_set (err, 0, "process.scheduler.policy: unknown policy `%s`", s->policy ? s->policy : "");
  attr.sched_policy = policies[i].policy;
  for (size_t f = 0; f < s->n_flags; f++)
    {
      size_t k;
      for (k = 0; k < LEN (sched_flags) && strcmp (s->flags[f], sched_flags[k].name) != 0; k++)
        ;
      if (k == LEN (sched_flags))
        return skiff_error_set (err, 0, "process.scheduler.flags: unknown flag `%s`", s->flags[f]);
      attr.sched_flags |= sched_flags[k].flag;
    }
  attr.sched_nice = (int) s->nice.value;
  attr.sched_priority = (unsigned) s->priority.value;
  attr.sched_runtime = s->runtime.value;
  attr.sched_deadline = s->deadline.value;
  attr.sched_period = s->period.value;
  /* glibc 2.36 has no wrapper. */
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return skiff_error_set (err, errno, "sched_setattr %s", s->policy);
  return 0;
}

int
skiff_io_priority_apply (const oci_io_priority *p, skiff_error **err)
{
  if (p == NULL)
    return 0;
  int cls;
  if (p->class_ && strcmp (p->class_, "IOPRIO_CLASS_RT") == 0)
    cls = IOPRIO_CLASS_RT;
  else if (p->class_ && strcmp (p->class_, "IOPRIO_CLASS_BE") == 0)
    cls = IOPRIO_CLASS_BE;
  else if (p->class_ && strcmp (p->class_, "IOPRIO_CLASS_IDLE") == 0)
    cls = IOPRIO_CLASS_IDLE;
  else
    return skiff_error_set (err, 0, "process.ioPriority.class: unknown class `%s`", p->class_ ? p->class_ : "");
  if (p->priority.value < 0 || p->priority.value > 7)
    return skiff_error_set (err, 0, "process.ioPriority.priority: %lld not in 0..7", (long long) p->priority.value);
  int prio = (cls << IOPRIO_CLASS_SHIFT) | (int) p->priority.value;
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
    return skiff_error_set (err, errno, "ioprio_set %s %lld", p->class_, (long long) p->priority.value);
  return 0;
}

static int
parse_cpu (const char **s, long *out)
{
  char *end;
  errno = 0;
  long v = strtol (*s, &end, 10);
  if (end == *s || errno || v < 0 || v >= CPU_SETSIZE)
    return -1;
  *s = end;
  *out = v;
  return 0;
}

int
skiff_cpu_list_parse (const char *cpus, cpu_set_t *set)
{
  CPU_ZERO (set);
  const char *s = cpus;
  for (;;)
    {
      long lo, hi;
      if (parse_cpu (&s, &lo) < 0)
        return -1;
      hi = lo;
      if (*s == '-')
        {
          s++;
          if (parse_cpu (&s, &hi) < 0 || hi < lo)
            return -1;
        }
      for (long c = lo; c <= hi; c++)
        CPU_SET ((int) c, set);
      if (*s == '\0')
        return 0;
      if (*s++ != ',')
        return -1;
    }
}

int
skiff_cpu_affinity_apply (const char *cpus, const char *what, skiff_error **err)
{
  if (cpus == NULL || *cpus == '\0')
    return 0;
  cpu_set_t set;
  if (skiff_cpu_list_parse (cpus, &set) < 0)
    return skiff_error_set (err, 0, "%s: invalid cpu list `%s`", what, cpus);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return skiff_error_set (err, errno, "%s: sched_setaffinity `%s`", what, cpus);
  return 0;
}
