/* skiff list: the containers under the state root, as runc prints them: an
 * aligned table, one compact JSON array, or bare ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff list [options]\n\n"
                            "List containers under the state root.\n\n"
                            "Options:\n"
                            "  -f, --format table|json  output format (default table)\n"
                            "  -q, --quiet              print only the ids\n"
                            "  -h, --help               show this help\n";

#define N_COLS 6

/* runc aligns with Go's tabwriter (minwidth 12, padding 3): every column but
 * the last is as wide as its widest cell plus 3, and at least 12. Scripts
 * split on whitespace, so only the shape matters, but we match it anyway. */
static void
print_table (oci_state **list, size_t n)
{
  cleanup_free char **cells = xzalloc ((n + 1) * N_COLS * sizeof (char *));
  size_t width[N_COLS] = { 0 }, i, j;

  cells[0] = xstrdup ("ID"), cells[1] = xstrdup ("PID"), cells[2] = xstrdup ("STATUS");
  cells[3] = xstrdup ("BUNDLE"), cells[4] = xstrdup ("CREATED"), cells[5] = xstrdup ("OWNER");
  for (i = 0; i < n; i++)
    {
      char **row = cells + (i + 1) * N_COLS;
      row[0] = xstrdup (list[i]->id ? list[i]->id : "");
      row[1] = xasprintf ("%lld", (long long) list[i]->pid.value);
      row[2] = xstrdup (list[i]->status ? list[i]->status : "");
      row[3] = xstrdup (list[i]->bundle ? list[i]->bundle : "");
      row[4] = xstrdup (list[i]->created ? list[i]->created : "");
      row[5] = xstrdup (list[i]->owner ? list[i]->owner : "");
    }
  for (i = 0; i < (n + 1) * N_COLS; i++)
    if (strlen (cells[i]) + 3 > width[i % N_COLS])
      width[i % N_COLS] = strlen (cells[i]) + 3;
  for (i = 0; i < n + 1; i++)
    {
      for (j = 0; j < N_COLS - 1; j++)
        printf ("%-*s", (int) (width[j] < 12 ? 12 : width[j]), cells[i * N_COLS + j]);
      printf ("%s\n", cells[i * N_COLS + N_COLS - 1]);
    }
  for (i = 0; i < (n + 1) * N_COLS; i++)
    free (cells[i]);
}

/* One line; runc prints null, not [], when there is nothing. */
static void
print_json (oci_state **list, size_t n)
{
  size_t i;

  if (n == 0)
    {
      printf ("null\n");
      return;
    }
  putchar ('[');
  for (i = 0; i < n; i++)
    {
      cleanup_free char *json = oci_state_to_json (list[i], false);
      printf ("%s%s", i ? "," : "", json);
    }
  printf ("]\n");
}

static int
parse_format (const char *arg, bool *json)
{
  if (strcmp (arg, "json") == 0)
    *json = true;
  else if (strcmp (arg, "table") == 0)
    *json = false;
  else
    return cli_fail ("list: invalid format \"%s\": must be table or json", arg);
  return 0;
}

int
cli_cmd_list (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_error *err = NULL;
  oci_state **list = NULL;
  bool json = false, quiet = false;
  size_t n = 0, i;
  int c;

  while ((c = getopt_long (argc, argv, ":f:qh", long_options, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c != 'f')
        return cli_usage ("list", usage, c, argv);
      else if (parse_format (optarg, &json) != 0)
        return 1;
    }
  if (cli_check_args ("list", argc - optind, 0, 0) < 0)
    return 1;
  if (skiff_container_list (ctx, &list, &n, &err) < 0)
    return cli_fail_error (err);
  if (quiet)
    for (i = 0; i < n; i++)
      printf ("%s\n", list[i]->id);
  else if (json)
    print_json (list, n);
  else
    print_table (list, n);
  skiff_state_list_free (list, n);
  return 0;
}
