/* skiff events [--stats] [--interval DURATION] ID: the container's
 * statistics as JSON lines (runc's shape), once with --stats, else every
 * interval plus OOM notifications until the container stops. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: skiff events [options] ID\n\n"
    "Display container events (OOM notifications) and resource usage statistics.\n\n"
    "Options:\n"
    "      --interval DURATION  time between stats lines (default 5s; Go syntax: 500ms, 1m30s)\n"
    "      --stats              print the stats once and exit\n"
    "  -h, --help               show this help\n";

enum
{
  OPT_INTERVAL = 0x100,
  OPT_STATS
};

/* Nanoseconds per unit of a Go duration ("ns", "us", "µs", "ms", "s", "m", "h"). */
static double
unit_ns (const char *u, size_t n)
{
  static const struct
  {
    const char *name;
    double ns;
  } units[] = {
    { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
    { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },        { "h", 3600e9 },
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen (units[i].name) == n && strncmp (u, units[i].name, n) == 0)
      return units[i].ns;
  return 0;
}

/* Go's time.ParseDuration (as runc's --interval flag), without the sign: a
 * sequence of decimal numbers each with a unit ("1m30s", "1.5s"), or "0". */
static int
parse_duration (const char *s, double *ns)
{
  *ns = 0;
  if (strcmp (s, "0") == 0)
    return 0;
  if (*s == '\0')
    return -1;
  while (*s)
    {
      char *end;
      if ((*s < '0' || *s > '9') && *s != '.')
        return -1;
      double v = strtod (s, &end);
      if (end == s)
        return -1;
      size_t n = strcspn (end, "0123456789.");
      double mult = unit_ns (end, n);
      if (mult == 0)
        return -1;
      *ns += v * mult;
      s = end + n;
    }
  return 0;
}

static int
print_event (const char *json, void *data)
{
  (void)data;
  /* One line per event, flushed: a reader (an engine) acts on each line. */
  if (printf ("%s\n", json) < 0 || fflush (stdout) != 0)
    return -1;
  return 0;
}

int
cli_cmd_events (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { "stats", no_argument, NULL, OPT_STATS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_error *err = NULL;
  double interval_ns = 5e9;
  bool stats = false;
  int c;

  while ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    {
      if (c == OPT_STATS)
        stats = true;
      else if (c != OPT_INTERVAL)
        return cli_usage ("events", usage, c, argv);
      else if (parse_duration (optarg, &interval_ns) < 0)
        return cli_fail ("invalid value \"%s\" for flag --interval: invalid duration", optarg);
    }
  if (cli_check_args ("events", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (interval_ns <= 0)
    return cli_fail ("duration interval must be greater than 0");
  if (stats)
    {
      char *json = NULL;
      if (skiff_container_stats (ctx, argv[optind], &json, &err) < 0)
        return cli_fail_error (err);
      print_event (json, NULL);
      free (json);
      return 0;
    }
  double ms = interval_ns / 1e6;
  unsigned interval_ms = ms < 1 ? 1 : ms > 86400e3 ? 86400000u : (unsigned)ms;
  if (skiff_container_events (ctx, argv[optind], interval_ms, print_event, NULL, &err) < 0)
    return cli_fail_error (err);
  return 0;
}
