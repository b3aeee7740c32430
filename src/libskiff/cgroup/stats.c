/* Reading a container's cgroup: statistics in the shape of runc's
 * `events --stats` data object (runc libcontainer types/events.go, whose
 * `omitempty` tags decide which zero fields are left out), the freezer state
 * and the OOM-kill counter. Missing files read as zero: which files exist
 * depends on the kernel, its config and the I/O scheduler, and a partial
 * report is more useful than none. */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/convert.h"
#include "util.h"

/* ---- JSON output. yajl_gen only fails on misuse (a value where a key is
 * expected), which these helpers are written not to do. */

static void
j_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

/* Through yajl_gen_number so values above INT64_MAX stay exact. */
static void
j_u64 (yajl_gen g, uint64_t v)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t)n);
}

static void
j_kv (yajl_gen g, const char *key, uint64_t v)
{
  j_str (g, key);
  j_u64 (g, v);
}

/* A field tagged `omitempty` in runc. */
static void
j_kv_nz (yajl_gen g, const char *key, uint64_t v)
{
  if (v != 0)
    j_kv (g, key, v);
}

/* ---- cgroupfs readers */

/* One number; "max" (v2's "no limit") reads as max_value. */
static uint64_t
read_u64 (const char *dir, const char *file, uint64_t max_value)
{
  cleanup_free char *s = NULL;
  if (dir == NULL || cg_read (dir, file, &s, NULL) < 0)
    return 0;
  if (strncmp (s, "max", 3) == 0)
    return max_value;
  return strtoull (s, NULL, 10);
}

/* The value of "key N" in a flat keyed file (memory.stat, cpu.stat, ...). */
static uint64_t
kv_get (const char *text, const char *key)
{
  size_t n = strlen (key);
  for (const char *l = text; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (strncmp (l, key, n) == 0 && l[n] == ' ')
      return strtoull (l + n + 1, NULL, 10);
  return 0;
}

static uint64_t
read_kv (const char *dir, const char *file, const char *key)
{
  cleanup_free char *s = NULL;
  if (dir == NULL || cg_read (dir, file, &s, NULL) < 0)
    return 0;
  return kv_get (s, key);
}

static int
compare_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Every line of a flat keyed file, keys sorted as Go sorts a map's keys. */
static void
j_raw_map (yajl_gen g, const char *dir, const char *file)
{
  cleanup_free char *s = NULL;
  if (dir == NULL || cg_read (dir, file, &s, NULL) < 0)
    return;
  cleanup_free char **lines = xzalloc (sizeof (char *));
  size_t n = 0;
  char *save = NULL;
  for (char *l = strtok_r (s, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      lines = xrealloc (lines, (n + 1) * sizeof (char *));
      lines[n++] = l;
    }
  if (n == 0)
    return; /* raw is omitempty */
  qsort (lines, n, sizeof (char *), compare_str);
  j_str (g, "raw");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < n; i++)
    {
      char *sp = strchr (lines[i], ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      j_kv (g, lines[i], strtoull (sp + 1, NULL, 10));
    }
  yajl_gen_map_close (g);
}

/* A whitespace-separated list of numbers as a JSON array (omitempty). */
static void
j_u64_list (yajl_gen g, const char *key, const char *text)
{
  if (text == NULL || text[strspn (text, " \t\n")] == '\0')
    return;
  j_str (g, key);
  yajl_gen_array_open (g);
  for (char *end; *text; text = end)
    {
      uint64_t v = strtoull (text, &end, 10);
      if (end == text)
        break;
      j_u64 (g, v);
    }
  yajl_gen_array_close (g);
}

/* cpuset.cpus "0-3,8" as [0,1,2,3,8] (runc's CPUSet.CPUs). */
static void
j_cpu_list (yajl_gen g, const char *key, const char *dir, const char *file)
{
  cleanup_free char *s = NULL;
  if (dir == NULL || cg_read (dir, file, &s, NULL) < 0 || s[strspn (s, " \n")] == '\0')
    return;
  j_str (g, key);
  yajl_gen_array_open (g);
  char *save = NULL;
  for (char *r = strtok_r (s, ",\n ", &save); r; r = strtok_r (NULL, ",\n ", &save))
    {
      char *dash = strchr (r, '-');
      uint64_t lo = strtoull (r, NULL, 10), hi = dash ? strtoull (dash + 1, NULL, 10) : lo;
      for (uint64_t c = lo; c <= hi && c - lo < 65536; c++)
        j_u64 (g, c);
    }
  yajl_gen_array_close (g);
}

/* ---- where each controller lives */

typedef struct
{
  yajl_gen g;
  const cg_host *h;
  const char *path;
  char *unified; /* the cgroup's dir in the cgroup2 mount, or NULL */
} stats_ctx;

/* The cgroup's directory for a v1 controller, NULL if not mounted. */
static char *
v1_dir (const stats_ctx *s, const char *controller)
{
  const cg_hier *hi = cg_host_find (s->h, controller);
  return hi ? cg_join (hi->mount, s->path) : NULL;
}

/* ---- cpu */

/* cpuacct.usage_all: a "cpu user system" header, then one row per cpu. */
static void
v1_percpu_split (yajl_gen g, const char *dir)
{
  cleanup_free char *s = NULL;
  if (dir == NULL || cg_read (dir, "cpuacct.usage_all", &s, NULL) < 0)
    return;
  cleanup_free char *user = xstrdup (""), *sys = xstrdup ("");
  char *save = NULL;
  for (char *l = strtok_r (s, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      unsigned long long u, k;
      if (sscanf (l, "%*u %llu %llu", &u, &k) != 2)
        continue;
      char *nu = xasprintf ("%s %llu", user, u), *nk = xasprintf ("%s %llu", sys, k);
      free (user), free (sys);
      user = nu, sys = nk;
    }
  j_u64_list (g, "percpu_kernel", sys);
  j_u64_list (g, "percpu_user", user);
}

static void
j_throttling (yajl_gen g, uint64_t periods, uint64_t throttled, uint64_t time_ns)
{
  j_str (g, "throttling");
  yajl_gen_map_open (g);
  j_kv_nz (g, "periods", periods);
  j_kv_nz (g, "throttledPeriods", throttled);
  j_kv_nz (g, "throttledTime", time_ns);
  yajl_gen_map_close (g);
}

static void
v1_cpu (const stats_ctx *s)
{
  cleanup_free char *acct = v1_dir (s, "cpuacct"), *cpu = v1_dir (s, "cpu");
  cleanup_free char *percpu = NULL, *stat = NULL, *cstat = NULL;
  if (acct)
    {
      cg_read (acct, "cpuacct.usage_percpu", &percpu, NULL);
      cg_read (acct, "cpuacct.stat", &stat, NULL);
    }
  /* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds. */
  long hz = sysconf (_SC_CLK_TCK);
  uint64_t tick_ns = 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);
  yajl_gen g = s->g;
  j_str (g, "usage");
  yajl_gen_map_open (g);
  j_kv_nz (g, "total", read_u64 (acct, "cpuacct.usage", 0));
  j_u64_list (g, "percpu", percpu);
  v1_percpu_split (g, acct);
  j_kv (g, "kernel", stat ? kv_get (stat, "system") * tick_ns : 0);
  j_kv (g, "user", stat ? kv_get (stat, "user") * tick_ns : 0);
  yajl_gen_map_close (g);
  if (cpu)
    cg_read (cpu, "cpu.stat", &cstat, NULL);
  j_throttling (g, cstat ? kv_get (cstat, "nr_periods") : 0, cstat ? kv_get (cstat, "nr_throttled") : 0,
                cstat ? kv_get (cstat, "throttled_time") : 0);
}

/* v2 cpu.stat counts microseconds and has no per-cpu split. */
static void
v2_cpu (const stats_ctx *s)
{
  cleanup_free char *st = NULL;
  if (cg_read (s->unified, "cpu.stat", &st, NULL) < 0)
    st = xstrdup ("");
  yajl_gen g = s->g;
  j_str (g, "usage");
  yajl_gen_map_open (g);
  j_kv_nz (g, "total", kv_get (st, "usage_usec") * 1000);
  j_kv (g, "kernel", kv_get (st, "system_usec") * 1000);
  j_kv (g, "user", kv_get (st, "user_usec") * 1000);
  yajl_gen_map_close (g);
  j_throttling (g, kv_get (st, "nr_periods"), kv_get (st, "nr_throttled"),
                kv_get (st, "throttled_usec") * 1000);
}

/* ---- cpuset: every field but the two lists is always present */

static void
j_cpuset (const stats_ctx *s, const char *dir, bool v2)
{
  static const char *const flags[] = { "mem_hardwall",       "mem_exclusive",      "memory_migrate",
                                       "memory_spread_page", "memory_spread_slab", "memory_pressure",
                                       "sched_load_balance" };
  yajl_gen g = s->g;
  yajl_gen_map_open (g);
  j_cpu_list (g, "cpus", dir, v2 ? "cpuset.cpus.effective" : "cpuset.cpus");
  j_kv (g, "cpu_exclusive", v2 ? 0 : read_u64 (dir, "cpuset.cpu_exclusive", 0));
  j_cpu_list (g, "mems", dir, v2 ? "cpuset.mems.effective" : "cpuset.mems");
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    {
      cleanup_free char *file = xasprintf ("cpuset.%s", flags[i]);
      j_kv (g, flags[i], v2 ? 0 : read_u64 (dir, file, 0));
    }
  /* The only signed field: -1 means "system default". */
  cleanup_free char *lvl = NULL;
  j_str (g, "sched_relax_domain_level");
  if (!v2 && cg_read (dir, "cpuset.sched_relax_domain_level", &lvl, NULL) == 0)
    {
      long long v = strtoll (lvl, NULL, 10);
      yajl_gen_integer (g, v);
    }
  else
    yajl_gen_integer (g, 0);
  yajl_gen_map_close (g);
}

/* ---- memory */

static void
j_mem_entry (yajl_gen g, const char *key, uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt)
{
  j_str (g, key);
  yajl_gen_map_open (g);
  j_kv (g, "limit", limit);
  j_kv_nz (g, "usage", usage);
  j_kv_nz (g, "max", max);
  j_kv (g, "failcnt", failcnt);
  yajl_gen_map_close (g);
}

/* prefix "memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp". */
static void
v1_mem_entry (yajl_gen g, const char *key, const char *dir, const char *prefix)
{
  cleanup_free char *lim = xasprintf ("%s.limit_in_bytes", prefix);
  cleanup_free char *use = xasprintf ("%s.usage_in_bytes", prefix);
  cleanup_free char *max = xasprintf ("%s.max_usage_in_bytes", prefix);
  cleanup_free char *fail = xasprintf ("%s.failcnt", prefix);
  j_mem_entry (g, key, read_u64 (dir, lim, 0), read_u64 (dir, use, 0), read_u64 (dir, max, 0),
               read_u64 (dir, fail, 0));
}

static void
v1_memory (const stats_ctx *s)
{
  cleanup_free char *dir = v1_dir (s, "memory");
  yajl_gen g = s->g;
  j_kv_nz (g, "cache", read_kv (dir, "memory.stat", "cache"));
  v1_mem_entry (g, "usage", dir, "memory");
  v1_mem_entry (g, "swap", dir, "memory.memsw");
  v1_mem_entry (g, "kernel", dir, "memory.kmem");
  v1_mem_entry (g, "kernelTCP", dir, "memory.kmem.tcp");
  j_raw_map (g, dir, "memory.stat");
}

/* As runc: v2's swap entry counts memory + swap, like v1's memsw. */
static void
v2_memory (const stats_ctx *s)
{
  const char *dir = s->unified;
  yajl_gen g = s->g;
  uint64_t limit = read_u64 (dir, "memory.max", UINT64_MAX), usage = read_u64 (dir, "memory.current", 0);
  uint64_t swap_limit = read_u64 (dir, "memory.swap.max", UINT64_MAX);
  uint64_t swap = read_u64 (dir, "memory.swap.current", 0) + usage;
  if (swap_limit != UINT64_MAX && limit != UINT64_MAX)
    swap_limit += limit;
  j_kv_nz (g, "cache", read_kv (dir, "memory.stat", "file"));
  j_mem_entry (g, "usage", limit, usage, read_u64 (dir, "memory.peak", 0),
               read_kv (dir, "memory.events", "max"));
  j_mem_entry (g, "swap", swap_limit, swap, 0, 0);
  j_mem_entry (g, "kernel", 0, 0, 0, 0);
  j_mem_entry (g, "kernelTCP", 0, 0, 0, 0);
  j_raw_map (g, dir, "memory.stat");
}

/* ---- pids */

static void
j_pids (yajl_gen g, const char *dir)
{
  yajl_gen_map_open (g);
  j_kv_nz (g, "current", read_u64 (dir, "pids.current", 0));
  j_kv_nz (g, "limit", read_u64 (dir, "pids.max", 0)); /* "max": no limit, 0 */
  yajl_gen_map_close (g);
}

/* ---- blkio */

/* One "maj:min [Op] value" entry; every field is omitempty in runc. */
static void
j_blkio_entry (yajl_gen g, uint64_t major, uint64_t minor, const char *op, uint64_t value)
{
  yajl_gen_map_open (g);
  j_kv_nz (g, "major", major);
  j_kv_nz (g, "minor", minor);
  if (op && *op)
    {
      j_str (g, "op");
      j_str (g, op);
    }
  j_kv_nz (g, "value", value);
  yajl_gen_map_close (g);
}

/* Entries of a v1 blkio file as a JSON array under key; false (and nothing
 * written) when the file is missing or holds only its "Total" line. */
static bool
v1_blkio_file (yajl_gen g, const char *dir, const char *file, const char *key)
{
  cleanup_free char *s = NULL;
  if (cg_read (dir, file, &s, NULL) < 0)
    return false;
  bool opened = false;
  char *save = NULL;
  for (char *l = strtok_r (s, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      unsigned long long ma, mi, v;
      char op[32] = "";
      if (sscanf (l, "%llu:%llu %31s %llu", &ma, &mi, op, &v) != 4)
        {
          op[0] = '\0';
          if (sscanf (l, "%llu:%llu %llu", &ma, &mi, &v) != 3)
            continue; /* "Total N" */
        }
      if (!opened)
        {
          j_str (g, key);
          yajl_gen_array_open (g);
          opened = true;
        }
      j_blkio_entry (g, ma, mi, op, v);
    }
  if (opened)
    yajl_gen_array_close (g);
  return opened;
}

/* runc's order: the first group whose first file has entries is reported
 * (BFQ debug, BFQ, CFQ, throttle recursive, throttle). */
static void
v1_blkio (const stats_ctx *s)
{
  static const char *const keys[] = { "ioServicedRecursive", "ioServiceBytesRecursive",
                                      "ioQueueRecursive",    "ioServiceTimeRecursive",
                                      "ioWaitTimeRecursive", "ioMergedRecursive",
                                      "ioTimeRecursive",     "sectorsRecursive" };
  static const char *const files[] = { "io_serviced_recursive",  "io_service_bytes_recursive",
                                       "io_queued_recursive",    "io_service_time_recursive",
                                       "io_wait_time_recursive", "io_merged_recursive",
                                       "time_recursive",         "sectors_recursive" };
  static const struct
  {
    const char *prefix;
    size_t n;
  } groups[] = {
    { "blkio.bfq.", 8 },
    { "blkio.", 8 },
    { "blkio.throttle.", 2 },
  };
  cleanup_free char *dir = v1_dir (s, "blkio");
  yajl_gen_map_open (s->g);
  for (size_t gi = 0; dir && gi < sizeof groups / sizeof groups[0]; gi++)
    {
      cleanup_free char *first = xasprintf ("%s%s", groups[gi].prefix, files[0]);
      if (!v1_blkio_file (s->g, dir, first, keys[0]))
        continue;
      for (size_t i = 1; i < groups[gi].n; i++)
        {
          cleanup_free char *f = xasprintf ("%s%s", groups[gi].prefix, files[i]);
          v1_blkio_file (s->g, dir, f, keys[i]);
        }
      break;
    }
  yajl_gen_map_close (s->g);
}

/* io.stat: "maj:min rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void
v2_io_array (yajl_gen g, const char *text, const char *key, const char *rkey, const char *wkey)
{
  bool opened = false;
  for (const char *l = text; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    {
      unsigned long long ma, mi;
      if (sscanf (l, "%llu:%llu", &ma, &mi) != 2)
        continue;
      cleanup_free char *line = xstrndup (l, strcspn (l, "\n"));
      cleanup_free char *r = xasprintf (" %s=", rkey), *w = xasprintf (" %s=", wkey);
      char *pr = strstr (line, r), *pw = strstr (line, w);
      if (!opened)
        {
          j_str (g, key);
          yajl_gen_array_open (g);
          opened = true;
        }
      j_blkio_entry (g, ma, mi, "Read", pr ? strtoull (pr + strlen (r), NULL, 10) : 0);
      j_blkio_entry (g, ma, mi, "Write", pw ? strtoull (pw + strlen (w), NULL, 10) : 0);
    }
  if (opened)
    yajl_gen_array_close (g);
}

static void
v2_blkio (const stats_ctx *s)
{
  cleanup_free char *st = NULL;
  yajl_gen_map_open (s->g);
  if (cg_read (s->unified, "io.stat", &st, NULL) == 0)
    {
      v2_io_array (s->g, st, "ioServiceBytesRecursive", "rbytes", "wbytes");
      v2_io_array (s->g, st, "ioServicedRecursive", "rios", "wios");
    }
  yajl_gen_map_close (s->g);
}

/* ---- hugetlb: {"2MB":{usage,max,failcnt}} keyed by page size */

/* Page sizes with a hugetlb.<size>.<suffix> file in dir, sorted. */
static char **
hugetlb_sizes (const char *dir, const char *suffix)
{
  char **v = xzalloc (sizeof (char *));
  size_t n = 0;
  cleanup_dir DIR *d = dir ? opendir (dir) : NULL;
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    {
      const char *name = e->d_name, *dot;
      if (strncmp (name, "hugetlb.", 8) != 0 || (dot = strchr (name + 8, '.')) == NULL
          || strcmp (dot + 1, suffix) != 0)
        continue;
      v = xrealloc (v, (n + 2) * sizeof (char *));
      v[n++] = xstrndup (name + 8, dot - (name + 8));
      v[n] = NULL;
    }
  qsort (v, n, sizeof (char *), compare_str);
  return v;
}

static void
j_hugetlb (yajl_gen g, const char *dir, bool v2)
{
  cleanup_strv char **sizes = hugetlb_sizes (dir, v2 ? "current" : "usage_in_bytes");
  yajl_gen_map_open (g);
  for (size_t i = 0; sizes[i]; i++)
    {
      cleanup_free char *use = xasprintf ("hugetlb.%s.%s", sizes[i], v2 ? "current" : "usage_in_bytes");
      cleanup_free char *max = xasprintf ("hugetlb.%s.max_usage_in_bytes", sizes[i]);
      cleanup_free char *fail = xasprintf ("hugetlb.%s.%s", sizes[i], v2 ? "events" : "failcnt");
      j_str (g, sizes[i]);
      yajl_gen_map_open (g);
      j_kv_nz (g, "usage", read_u64 (dir, use, 0));
      j_kv_nz (g, "max", v2 ? 0 : read_u64 (dir, max, 0));
      j_kv (g, "failcnt", v2 ? read_kv (dir, fail, "max") : read_u64 (dir, fail, 0));
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

/* ---- the data object */

static void
stats_v1 (const stats_ctx *s)
{
  yajl_gen g = s->g;
  j_str (g, "cpu");
  yajl_gen_map_open (g);
  v1_cpu (s);
  yajl_gen_map_close (g);
  cleanup_free char *cpuset = v1_dir (s, "cpuset"), *pids = v1_dir (s, "pids"), *huge = v1_dir (s, "hugetlb");
  j_str (g, "cpuset");
  j_cpuset (s, cpuset, false);
  j_str (g, "memory");
  yajl_gen_map_open (g);
  v1_memory (s);
  yajl_gen_map_close (g);
  j_str (g, "pids");
  j_pids (g, pids);
  j_str (g, "blkio");
  v1_blkio (s);
  j_str (g, "hugetlb");
  /* A hybrid host may have hugetlb only in its cgroup2 mount (as here). */
  if (huge == NULL && s->unified)
    j_hugetlb (g, s->unified, true);
  else
    j_hugetlb (g, huge, false);
}

static void
stats_v2 (const stats_ctx *s)
{
  yajl_gen g = s->g;
  j_str (g, "cpu");
  yajl_gen_map_open (g);
  v2_cpu (s);
  yajl_gen_map_close (g);
  j_str (g, "cpuset");
  j_cpuset (s, s->unified, true);
  j_str (g, "memory");
  yajl_gen_map_open (g);
  v2_memory (s);
  yajl_gen_map_close (g);
  j_str (g, "pids");
  j_pids (g, s->unified);
  j_str (g, "blkio");
  v2_blkio (s);
  j_str (g, "hugetlb");
  j_hugetlb (g, s->unified, true);
}

int
skiff_cgroup_stats (const char *path, yajl_gen g, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  stats_ctx s = { .g = g, .h = &h, .path = path, .unified = h.unified ? cg_join (h.unified, path) : NULL };
  cleanup_free char *unified = s.unified;
  cleanup_free char *probe = h.layout == SKIFF_CGROUP_V2 ? xstrdup (unified) : v1_dir (&s, "memory");
  if (probe == NULL && h.n_v1 > 0)
    probe = cg_join (h.v1[0].mount, path);
  if (probe && access (probe, F_OK) < 0)
    return skiff_error_set (err, errno, "cgroup `%s`", probe);
  yajl_gen_map_open (g);
  if (h.layout == SKIFF_CGROUP_V2)
    stats_v2 (&s);
  else
    stats_v1 (&s);
  /* Not collected: Intel RDT (unsupported) and network (runc fills it only
   * for its own network setup). */
  j_str (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  j_str (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
  return 0;
}

bool
skiff_cgroup_is_frozen (const char *path)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, NULL) < 0 || cg_host_load (&h, NULL) < 0)
    return false;
  cleanup_free char *s = NULL;
  if (h.layout == SKIFF_CGROUP_V2)
    {
      /* cgroup.freeze is what was asked: a cgroup being frozen is paused
       * even before cgroup.events confirms it. */
      cleanup_free char *dir = cg_join (h.unified, path);
      return cg_read (dir, "cgroup.freeze", &s, NULL) == 0 && s[0] == '1';
    }
  const cg_hier *fz = cg_host_find (&h, "freezer");
  if (fz == NULL)
    return false;
  cleanup_free char *dir = cg_join (fz->mount, path);
  /* FREEZING counts too: a pause that did not complete left it there. */
  return cg_read (dir, "freezer.state", &s, NULL) == 0 && strncmp (s, "THAWED", 6) != 0;
}

int
skiff_cgroup_oom_count (const char *path, uint64_t *out, skiff_error **err)
{
  cleanup_cg_host cg_host h;
  if (cg_check_path (path, err) < 0 || cg_host_load (&h, err) < 0)
    return -1;
  cleanup_free char *s = NULL;
  cleanup_free char *dir = NULL;
  const char *file = "memory.events";
  if (h.layout == SKIFF_CGROUP_V2)
    dir = cg_join (h.unified, path);
  else
    {
      const cg_hier *mem = cg_host_find (&h, "memory");
      if (mem == NULL)
        return skiff_error_set (err, ENOTSUP, "no memory cgroup hierarchy is mounted");
      dir = cg_join (mem->mount, path);
      /* "oom_kill" in memory.oom_control exists since Linux 4.13. */
      file = "memory.oom_control";
    }
  if (cg_read (dir, file, &s, err) < 0)
    return -1;
  /* under_oom (v1, with the OOM killer disabled) also counts as an event. */
  *out = kv_get (s, "oom_kill") + kv_get (s, "under_oom");
  return 0;
}
