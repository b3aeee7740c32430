/* skiff state ID: the container's state as indented JSON, like runc. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff state ID\n\n"
                            "Output the state of a container as JSON.\n";

int
cli_cmd_state (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  skiff_error *err = NULL;
  oci_state *state = NULL;
  cleanup_free char *json = NULL;
  int c;

  if ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    return cli_usage ("state", usage, c, argv);
  if (cli_check_args ("state", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_state (ctx, argv[optind], &state, &err) < 0)
    return cli_fail_error (err);
  json = oci_state_to_json (state, true);
  oci_state_free (state);
  printf ("%s\n", json);
  return 0;
}
