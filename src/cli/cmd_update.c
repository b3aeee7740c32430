/* skiff update [options] ID: change the resource limits of a running
 * container, from flags or (-r) from a linux.resources JSON document; with
 * -r every other flag is ignored, as in runc. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static const char usage[] =
    "Usage: skiff update [options] ID\n\n"
    "Update the resource constraints of a container.\n\n"
    "Options:\n"
    "  -r, --resources FILE|-       linux.resources JSON from FILE or stdin; other options are ignored\n"
    "      --blkio-weight N         block I/O weight (10-1000)\n"
    "      --cpu-period USEC        CFS period\n"
    "      --cpu-quota USEC         CFS quota per period (-1: none)\n"
    "      --cpu-burst USEC         CFS burst\n"
    "      --cpu-share N            CPU shares (relative weight)\n"
    "      --cpu-rt-period USEC     realtime period\n"
    "      --cpu-rt-runtime USEC    realtime runtime per period\n"
    "      --cpu-idle 0|1           SCHED_IDLE for the cgroup\n"
    "      --cpuset-cpus LIST       CPUs to use (0-3,5)\n"
    "      --cpuset-mems LIST       memory nodes to use\n"
    "      --memory SIZE            memory limit (bytes, or 64m, 1g, ...; -1: none)\n"
    "      --memory-reservation SIZE  soft limit\n"
    "      --memory-swap SIZE       memory + swap limit (-1: unlimited swap)\n"
    "      --pids-limit N           maximum number of pids (-1: none)\n"
    "      --l3-cache-schema S, --mem-bw-schema S   Intel RDT (not supported)\n"
    "      --kernel-memory SIZE, --kernel-memory-tcp SIZE   ignored (obsolete)\n"
    "  -h, --help                   show this help\n";

enum
{
  U_BLKIO_WEIGHT = 0x100,
  U_CPU_PERIOD,
  U_CPU_QUOTA,
  U_CPU_BURST,
  U_CPU_SHARE,
  U_CPU_RT_PERIOD,
  U_CPU_RT_RUNTIME,
  U_CPU_IDLE,
  U_CPUSET_CPUS,
  U_CPUSET_MEMS,
  U_MEMORY,
  U_MEMORY_RESERVATION,
  U_MEMORY_SWAP,
  U_PIDS_LIMIT,
  U_L3_CACHE,
  U_MEM_BW,
  U_KERNEL_MEMORY,
  U_KERNEL_MEMORY_TCP,
};

static const char kmem_warning[] = "skiff: warning: Kernel memory settings are ignored and will be removed\n";

/* docker/go-units RAMInBytes, which runc uses: a decimal number, an
 * optional space, then k/m/g/t/p (powers of 1024, any case) optionally
 * followed by "i" and/or "b": 64m, 1.5G, 512KiB, 100. */
static int
ram_in_bytes (const char *s, int64_t *out)
{
  static const char units[] = "kmgtp";
  const char *p = s;
  if (*p < '0' || *p > '9')
    return -1;
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (errno != 0 || strspn (s, "0123456789.") != (size_t)(end - s))
    return -1;
  p = end;
  if (*p == ' ')
    p++;
  double mult = 1;
  const char *u = *p ? strchr (units, *p | 0x20) : NULL;
  if (u)
    {
      for (const char *k = units; k <= u; k++)
        mult *= 1024;
      p++;
    }
  if ((*p | 0x20) == 'i')
    p++;
  if ((*p | 0x20) == 'b')
    p++;
  if (*p != '\0' || v * mult >= 9.2e18)
    return -1;
  *out = (int64_t)(v * mult);
  return 0;
}

static int
parse_u64 (const char *name, const char *s, oci_uint *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0)
    return cli_fail ("invalid value for %s: \"%s\" is not an unsigned integer", name, s);
  *out = (oci_uint){ v, true };
  return 0;
}

static int
parse_i64 (const char *name, const char *s, oci_int *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno != 0)
    return cli_fail ("invalid value for %s: \"%s\" is not an integer", name, s);
  *out = (oci_int){ v, true };
  return 0;
}

static int
parse_mem (const char *name, const char *s, oci_int *out)
{
  int64_t v = -1;
  if (strcmp (s, "-1") != 0 && ram_in_bytes (s, &v) < 0)
    return cli_fail ("invalid value for %s: invalid size: '%s'", name, s);
  *out = (oci_int){ v, true };
  return 0;
}

static oci_memory *
mem (oci_resources *r)
{
  return r->memory ? r->memory : (r->memory = xzalloc (sizeof *r->memory));
}

static oci_cpu *
cpu (oci_resources *r)
{
  return r->cpu ? r->cpu : (r->cpu = xzalloc (sizeof *r->cpu));
}

static int
cpuset_option (int c, const char *arg, oci_resources *r)
{
  char **dst = c == U_CPUSET_CPUS ? &cpu (r)->cpus : &cpu (r)->mems;
  free (*dst);
  *dst = xstrdup (arg);
  return 0;
}

/* One resource flag into r: 0, or 1 after reporting a bad value. */
static int
resource_option (int c, const char *arg, const char *name, oci_resources *r)
{
  switch (c)
    {
    case U_BLKIO_WEIGHT:
      if (r->block_io == NULL)
        r->block_io = xzalloc (sizeof *r->block_io);
      if (parse_u64 (name, arg, &r->block_io->weight))
        return 1;
      r->block_io->weight.set = r->block_io->weight.value != 0; /* runc: 0 leaves it alone */
      return 0;
    case U_CPU_PERIOD:
      return parse_u64 (name, arg, &cpu (r)->period);
    case U_CPU_QUOTA:
      return parse_i64 (name, arg, &cpu (r)->quota);
    case U_CPU_BURST:
      return parse_u64 (name, arg, &cpu (r)->burst);
    case U_CPU_SHARE:
      return parse_u64 (name, arg, &cpu (r)->shares);
    case U_CPU_RT_PERIOD:
      return parse_u64 (name, arg, &cpu (r)->realtime_period);
    case U_CPU_RT_RUNTIME:
      return parse_i64 (name, arg, &cpu (r)->realtime_runtime);
    case U_CPU_IDLE:
      return parse_i64 (name, arg, &cpu (r)->idle);
    case U_CPUSET_CPUS:
    case U_CPUSET_MEMS:
      return cpuset_option (c, arg, r);
    case U_MEMORY:
      return parse_mem (name, arg, &mem (r)->limit);
    case U_MEMORY_RESERVATION:
      return parse_mem (name, arg, &mem (r)->reservation);
    case U_MEMORY_SWAP:
      return parse_mem (name, arg, &mem (r)->swap);
    case U_PIDS_LIMIT:
      if (r->pids == NULL)
        r->pids = xzalloc (sizeof *r->pids);
      return parse_i64 (name, arg, &r->pids->limit);
    case U_KERNEL_MEMORY:
    case U_KERNEL_MEMORY_TCP:
      {
        oci_int ignored;
        if (parse_mem (name, arg, &ignored))
          return 1;
        fputs (kmem_warning, stderr);
        return 0;
      }
    default:
      /* --l3-cache-schema, --mem-bw-schema */
      return cli_fail ("update: %s: Intel RDT (intelRdt) is not supported", name);
    }
}

static int
read_resources (const char *path, oci_resources **out)
{
  cleanup_free char *buf = NULL, *msg = NULL;
  size_t len = 0;
  skiff_error *err = NULL;
  if (strcmp (path, "-") == 0)
    {
      int r = read_all_fd (STDIN_FILENO, &buf, &len);
      if (r < 0)
        return cli_fail ("update: read resources from stdin: %s", strerror (-r));
    }
  else if (read_file_at (AT_FDCWD, path, &buf, &len, &err) < 0)
    return cli_fail_error (err);
  if (oci_resources_parse (buf, len, out, &msg) < 0)
    return cli_fail ("update: invalid resources in `%s`: %s", path, msg ? msg : "parse error");
  /* As runc: the obsolete kernel memory limits are not applied. */
  oci_memory *m = (*out)->memory;
  if (m && ((m->kernel.set && m->kernel.value != 0) || (m->kernel_tcp.set && m->kernel_tcp.value != 0)))
    fputs (kmem_warning, stderr);
  if (m)
    m->kernel.set = m->kernel_tcp.set = false;
  return 0;
}

static const struct option long_options[] = {
  { "resources", required_argument, NULL, 'r' },
  { "blkio-weight", required_argument, NULL, U_BLKIO_WEIGHT },
  { "cpu-period", required_argument, NULL, U_CPU_PERIOD },
  { "cpu-quota", required_argument, NULL, U_CPU_QUOTA },
  { "cpu-burst", required_argument, NULL, U_CPU_BURST },
  { "cpu-share", required_argument, NULL, U_CPU_SHARE },
  { "cpu-rt-period", required_argument, NULL, U_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, U_CPU_RT_RUNTIME },
  { "cpu-idle", required_argument, NULL, U_CPU_IDLE },
  { "cpuset-cpus", required_argument, NULL, U_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, U_CPUSET_MEMS },
  { "memory", required_argument, NULL, U_MEMORY },
  { "memory-reservation", required_argument, NULL, U_MEMORY_RESERVATION },
  { "memory-swap", required_argument, NULL, U_MEMORY_SWAP },
  { "pids-limit", required_argument, NULL, U_PIDS_LIMIT },
  { "l3-cache-schema", required_argument, NULL, U_L3_CACHE },
  { "mem-bw-schema", required_argument, NULL, U_MEM_BW },
  { "kernel-memory", required_argument, NULL, U_KERNEL_MEMORY },
  { "kernel-memory-tcp", required_argument, NULL, U_KERNEL_MEMORY_TCP },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static const char *
option_name (int c)
{
  for (size_t i = 0; long_options[i].name; i++)
    if (long_options[i].val == c)
      return long_options[i].name;
  return "?";
}

int
cli_cmd_update (const skiff_context *ctx, int argc, char **argv)
{
  oci_resources *flags = xzalloc (sizeof *flags), *file = NULL;
  skiff_error *err = NULL;
  const char *path = NULL;
  int c, ret = 1;

  while ((c = getopt_long (argc, argv, ":r:h", long_options, NULL)) != -1)
    {
      if (c == 'r')
        path = optarg;
      else if (c < U_BLKIO_WEIGHT)
        {
          ret = cli_usage ("update", usage, c, argv);
          goto out;
        }
      else if (resource_option (c, optarg, option_name (c), flags) != 0)
        goto out;
    }
  if (cli_check_args ("update", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    goto out;
  if (path && read_resources (path, &file) != 0)
    goto out;
  if (skiff_container_update (ctx, argv[optind], file ? file : flags, &err) < 0)
    cli_fail_error (err);
  else
    ret = 0;
out:
  oci_resources_free (flags);
  oci_resources_free (file);
  return ret;
}
