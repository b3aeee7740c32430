/* skiff run ID: create + start; in the foreground, exit with the container's
 * status so the caller sees what its process returned. */
#include <stdio.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff run [options] ID\n\n"
                            "Create and start a container.\n\n"
                            "Options:\n" CLI_CREATE_USAGE
                            "  -d, --detach              return once the container has started\n"
                            "  -h, --help                show this help\n";

int
cli_cmd_run (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    CLI_CREATE_LONG_OPTIONS,
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { NULL, 0, NULL, 0 },
  };
  skiff_create_opts opts = { 0 };
  skiff_error *err = NULL;
  bool detach = false;
  int c, r, status = 0;

  while ((c = getopt_long (argc, argv, CLI_CREATE_SHORT_OPTIONS "d", long_options, NULL)) != -1)
    {
      if (c == 'd')
        detach = true;
      /* skiff_container_run always deletes a foreground container. */
      else if (c == OPT_KEEP)
        return cli_fail ("run: --keep is not supported yet");
      else if ((r = cli_create_option (c, optarg, &opts)) < 0)
        return 1;
      else if (r == 0)
        return cli_usage ("run", usage, c, argv);
    }
  if (cli_check_args ("run", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  opts.id = argv[optind];
  cli_debug ("run %s: bundle %s%s", opts.id, opts.bundle ? opts.bundle : ".", detach ? ", detached" : "");
  if (skiff_container_run (ctx, &opts, detach, &status, &err) < 0)
    return cli_fail_error (err);
  return detach ? 0 : status;
}
