/* skiff: the runc-compatible command line. Global options come before the
 * command; each command parses its own options (cmd_*.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "linux/idmap.h"
#include "util.h"

struct command {
  const char *name;
  cli_command_fn fn;
  const char *summary;
};

static const struct command commands[] = {
  { "checkpoint", cli_cmd_checkpoint, "checkpoint a running container" },
  { "create", cli_cmd_create, "create a container" },
  { "delete", cli_cmd_delete, "delete a container and the resources it holds" },
  { "events", cli_cmd_events, "display container events and statistics" },
  { "exec", cli_cmd_exec, "execute a new process inside the container" },
  { "features", cli_cmd_features, "show the enabled features" },
  { "kill", cli_cmd_kill, "send a signal to the container's init process" },
  { "list", cli_cmd_list, "list containers under the state root" },
  { "pause", cli_cmd_pause, "suspend all processes inside the container" },
  { "ps", cli_cmd_ps, "display the processes running inside a container" },
  { "restore", cli_cmd_restore, "restore a container from a checkpoint" },
  { "resume", cli_cmd_resume, "resume a paused container" },
  { "run", cli_cmd_run, "create and start a container" },
  { "spec", cli_cmd_spec, "create a new specification file" },
  { "start", cli_cmd_start, "start the user process of a created container" },
  { "state", cli_cmd_state, "output the state of a container" },
  { "update", cli_cmd_update, "update container resource constraints" },
};

#define N_COMMANDS (sizeof (commands) / sizeof (commands[0]))

/* The parsed global options. */
struct globals {
  skiff_context ctx;
  const char *log_path;
  const char *log_format;
  int rootless;      /* --rootless: 1 true, 0 false, -1 auto */
  char *xdg_root;    /* the default root under $XDG_RUNTIME_DIR, when used */
};

enum {
  OPT_ROOT = 0x200,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_LOG_LEVEL,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CGROUP_MANAGER,
  OPT_GLOBAL_ROOTLESS,
  OPT_CRIU,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
  { "rootless", required_argument, NULL, OPT_GLOBAL_ROOTLESS },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'v' },
  { NULL, 0, NULL, 0 },
};

static void
print_help (FILE *out)
{
  size_t i;

  fprintf (out, "Usage: skiff [global options] command [command options] [arguments...]\n\n"
                "An OCI container runtime.\n\nCommands:\n");
  for (i = 0; i < N_COMMANDS; i++)
    fprintf (out, "  %-11s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nGlobal options:\n"
                "  --root DIR              state directory (default " SKIFF_DEFAULT_STATE_ROOT ",\n"
                "                          rootless: $XDG_RUNTIME_DIR/skiff)\n"
                "  --log FILE              also append errors (and debug lines) to FILE\n"
                "  --log-format text|json  format of the log file (default text)\n"
                "  --debug                 enable debug logging\n"
                "  --systemd-cgroup        manage cgroups through systemd\n"
                "  --rootless auto|true|false\n"
                "  -h, --help              show this help\n"
                "  -v, --version           print the version\n"
                "\nRun 'skiff COMMAND --help' for a command's options.\n");
}

static void
print_version (void)
{
  printf ("skiff version %s\ncommit: %s\nspec: %s\n%s\n", PACKAGE_VERSION, SKIFF_GIT_COMMIT,
          SKIFF_OCI_VERSION, skiff_feature_tags ());
}

/* --rootless: runc's values. As in runc it decides how cgroups are
 * handled; whether the container itself is rootless follows from the euid. */
static int
parse_rootless (struct globals *g, const char *value)
{
  if (strcmp (value, "auto") == 0)
    g->rootless = -1;
  else if (strcmp (value, "true") == 0)
    g->rootless = 1;
  else if (strcmp (value, "false") == 0)
    g->rootless = 0;
  else
    return cli_fail ("invalid --rootless value \"%s\": must be auto, true or false", value);
  return 0;
}

/* runc's auto detection: not root, or root only inside a user namespace
 * (whose creator may not write the host's cgroups either). */
static bool
running_rootless (void)
{
  return geteuid () != 0 || skiff_in_user_namespace ();
}

/* runc's rule for honouring $XDG_RUNTIME_DIR: never for the real root (its
 * /run/user/0 would hide /run/runc), always for others, and for root of a
 * user namespace unless $USER says root. */
static bool
use_xdg_runtime_dir (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR"), *user = getenv ("USER");
  if (xdg == NULL || *xdg == '\0')
    return false;
  if (geteuid () != 0)
    return true;
  return skiff_in_user_namespace () && (user == NULL || strcmp (user, "root") != 0);
}

/* The default state root of a rootless caller: $XDG_RUNTIME_DIR/skiff, mode
 * 0700 with the sticky bit, which keeps the XDG cleaner from pruning it
 * (XDG Base Directory Specification), as runc does for its own. */
static int
set_default_root (struct globals *g)
{
  if (g->ctx.state_root || !use_xdg_runtime_dir ())
    {
      if (g->ctx.state_root == NULL)
        g->ctx.state_root = SKIFF_DEFAULT_STATE_ROOT;
      return 0;
    }
  g->xdg_root = xasprintf ("%s/skiff", getenv ("XDG_RUNTIME_DIR"));
  g->ctx.state_root = g->xdg_root;
  if (mkdir_p (g->xdg_root, 0700) < 0 || chmod (g->xdg_root, 01700) < 0)
    return cli_fail ("state directory `%s`: %s", g->xdg_root, strerror (errno));
  return 0;
}

/* crun's --cgroup-manager spelling, used by podman when the runtime is crun. */
static int
set_cgroup_manager (skiff_context *ctx, const char *value)
{
  if (strcmp (value, "systemd") == 0)
    ctx->systemd_cgroup = true;
  else if (strcmp (value, "cgroupfs") == 0)
    ctx->systemd_cgroup = false;
  else
    return cli_fail ("invalid --cgroup-manager \"%s\": must be cgroupfs or systemd", value);
  return 0;
}

/* One global option. Returns -1 to continue, else the exit code. */
static int
global_option (struct globals *g, int c, char **argv)
{
  switch (c)
    {
    case OPT_ROOT: g->ctx.state_root = optarg; return -1;
    case OPT_LOG: g->log_path = optarg; return -1;
    case OPT_LOG_FORMAT: g->log_format = optarg; return -1;
    case OPT_LOG_LEVEL: g->ctx.debug |= strcmp (optarg, "debug") == 0; return -1;
    case OPT_DEBUG: g->ctx.debug = true; return -1;
    case OPT_SYSTEMD_CGROUP: g->ctx.systemd_cgroup = true; return -1;
    case OPT_CGROUP_MANAGER: return set_cgroup_manager (&g->ctx, optarg) ? 1 : -1;
    case OPT_GLOBAL_ROOTLESS: return parse_rootless (g, optarg) ? 1 : -1;
    case OPT_CRIU: return -1; /* no checkpoint support yet: the path is unused */
    case 'h': print_help (stdout); return 0;
    case 'v': print_version (); return 0;
    default: return cli_usage (NULL, NULL, c, argv);
    }
}

static int
parse_globals (struct globals *g, int argc, char **argv)
{
  int c, r;

  /* getopt would print its own messages; report bad options via cli_fail. */
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+:hv", global_options, NULL)) != -1)
    if ((r = global_option (g, c, argv)) >= 0)
      return r;
  return -1;
}

static const struct command *
find_command (const char *name)
{
  size_t i;

  for (i = 0; i < N_COMMANDS; i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
cli_usage (const char *cmd, const char *usage, int c, char **argv)
{
  const char *opt = argv[optind - 1];
  char shortopt[3] = { '-', (char) optopt, '\0' };

  if (c == 'h' && usage)
    {
      fputs (usage, stdout);
      return 0;
    }
  if (c == ':')
    return cli_fail ("%s%soption %s requires an argument", cmd ? cmd : "", cmd ? ": " : "", opt);
  /* For an unknown short option inside a group ("-xq") optind has not moved
   * past it yet: name it from optopt instead of argv. */
  if (optopt > 0 && optopt < 0x100)
    opt = shortopt;
  return cli_fail ("%s%sunknown option %s", cmd ? cmd : "", cmd ? ": " : "", opt);
}

int
cli_check_args (const char *cmd, int n, int min, int max)
{
  if (n >= min && n <= max)
    return 0;
  if (max == 0)
    cli_fail ("%s: takes no arguments", cmd);
  else if (min == max)
    cli_fail ("%s: requires exactly %d argument(s)", cmd, min);
  else if (n < min)
    cli_fail ("%s: requires at least %d argument(s)", cmd, min);
  else
    cli_fail ("%s: requires at most %d argument(s)", cmd, max);
  return -1;
}

int
cli_check_id (const char *id)
{
  skiff_error *err = NULL;

  if (skiff_validate_id (id, &err) == 0)
    return 0;
  cli_fail_error (err);
  return -1;
}

static int
dispatch (const skiff_context *ctx, int argc, char **argv)
{
  const struct command *cmd;

  /* "skiff help CMD" is "skiff CMD --help", as with runc. */
  if (strcmp (argv[0], "help") == 0 || strcmp (argv[0], "h") == 0)
    {
      if (argc < 2)
        return print_help (stdout), 0;
      char *help_argv[] = { argv[1], (char *) "--help", NULL };
      return dispatch (ctx, 2, help_argv);
    }
  cmd = find_command (argv[0]);
  if (cmd == NULL)
    return cli_fail ("unknown command \"%s\"; run 'skiff --help'", argv[0]);
  /* optind 0 makes GNU getopt start over on the command's own argv. */
  optind = 0;
  return cmd->fn (ctx, argc, argv);
}

int
main (int argc, char **argv)
{
  struct globals g = { .ctx = { .warn = cli_warn }, .rootless = -1 };
  int r;

  r = parse_globals (&g, argc, argv);
  /* A bad global option was reported on stderr only: the log was not open
   * yet. Everything after this point also reaches the log. */
  if (cli_log_init (g.log_path, g.log_format, g.ctx.debug) != 0)
    return 1;
  if (r >= 0)
    return r;
  if (optind >= argc)
    {
      print_help (stdout);
      return 0;
    }
  g.ctx.rootless_cgroups = g.rootless < 0 ? running_rootless () : g.rootless == 1;
  if (set_default_root (&g) != 0)
    return 1;
  cli_debug ("skiff %s: command %s, root %s", PACKAGE_VERSION, argv[optind], g.ctx.state_root);
  r = dispatch (&g.ctx, argc - optind, argv + optind);
  free (g.xdg_root);
  return r;
}
