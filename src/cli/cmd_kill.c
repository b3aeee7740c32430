/* skiff kill [-a] ID [SIGNAL]: signal the container's init (or all its
 * processes with -a). SIGTERM by default, as runc. */
#include <signal.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] = "Usage: skiff kill [options] ID [SIGNAL]\n\n"
                            "Send SIGNAL (default SIGTERM) to the container's init process.\n"
                            "SIGNAL is a name (KILL, SIGKILL, RTMIN+1) or a number.\n\n"
                            "Options:\n"
                            "  -a, --all   signal every process in the container\n"
                            "  -h, --help  show this help\n";

int
cli_cmd_kill (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_error *err = NULL;
  bool all = false;
  int c, signo = SIGTERM;

  while ((c = getopt_long (argc, argv, ":ah", long_options, NULL)) != -1)
    {
      if (c != 'a')
        return cli_usage ("kill", usage, c, argv);
      all = true;
    }
  if (cli_check_args ("kill", argc - optind, 1, 2) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (argc - optind == 2 && (signo = skiff_signal_parse (argv[optind + 1])) < 0)
    return cli_fail ("invalid signal \"%s\"", argv[optind + 1]);
  cli_debug ("kill %s: signal %d%s", argv[optind], signo, all ? " to all processes" : "");
  if (skiff_container_kill (ctx, argv[optind], signo, all, &err) < 0)
    return cli_fail_error (err);
  return 0;
}
