/* skiff resume ID: thaw a container frozen by `skiff pause`. */
#include <stdio.h>

#include "cli.h"

static const char usage[] = "Usage: skiff resume ID\n\n"
                            "Resume (thaw) every process of a paused container.\n\n"
                            "Options:\n"
                            "  -h, --help  show this help\n";

int
cli_cmd_resume (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  skiff_error *err = NULL;
  int c;

  if ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    return cli_usage ("resume", usage, c, argv);
  if (cli_check_args ("resume", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_resume (ctx, argv[optind], &err) < 0)
    return cli_fail_error (err);
  return 0;
}
