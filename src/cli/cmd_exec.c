/* skiff exec [options] ID CMD [ARGS...] | -p FILE ID: run a new process in a
 * container. Foreground: exit with the process's status (128+N if killed by
 * signal N). Options stop at the id so the command keeps its own flags. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

static const char usage[] =
    "Usage: skiff exec [options] ID CMD [ARGS...]\n"
    "       skiff exec [options] -p process.json ID\n\n"
    "Execute a new process inside the container.\n\n"
    "Options:\n"
    "  -p, --process FILE         the process (runtime-spec JSON); other process flags are ignored\n"
    "      --console-socket PATH  unix socket that receives the pty master (with -t)\n"
    "      --cwd DIR              working directory in the container\n"
    "  -e, --env KEY=VALUE        set an environment variable (repeatable)\n"
    "  -t, --tty                  allocate a pseudo-terminal\n"
    "  -u, --user UID[:GID]       user and group ids (a uid alone means gid 0)\n"
    "  -g, --additional-gids GID  an additional group (repeatable)\n"
    "  -d, --detach               return once the process has started\n"
    "      --pid-file PATH        write the process's pid here\n"
    "      --process-label LABEL  SELinux label of the process\n"
    "      --apparmor PROFILE     AppArmor profile of the process\n"
    "      --no-new-privs         set no_new_privs for the process\n"
    "  -c, --cap CAP              add a capability (repeatable; never inheritable)\n"
    "      --preserve-fds N       pass N extra fds (from 3) to the process\n"
    "      --cgroup PATH          run in an existing sub-cgroup of the container\n"
    "      --ignore-paused        allow exec in a paused container\n"
    "  -h, --help                 show this help\n";

enum
{
  OPT_X_CONSOLE_SOCKET = 0x300,
  OPT_X_CWD,
  OPT_X_PID_FILE,
  OPT_X_PROCESS_LABEL,
  OPT_X_APPARMOR,
  OPT_X_NO_NEW_PRIVS,
  OPT_X_PRESERVE_FDS,
  OPT_X_CGROUP,
  OPT_X_IGNORE_PAUSED,
  OPT_X_PIDFD_SOCKET,
};

static const struct option long_options[] = {
  { "process", required_argument, NULL, 'p' },
  { "console-socket", required_argument, NULL, OPT_X_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_X_PIDFD_SOCKET },
  { "cwd", required_argument, NULL, OPT_X_CWD },
  { "env", required_argument, NULL, 'e' },
  { "tty", no_argument, NULL, 't' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_X_PID_FILE },
  { "process-label", required_argument, NULL, OPT_X_PROCESS_LABEL },
  { "apparmor", required_argument, NULL, OPT_X_APPARMOR },
  { "no-new-privs", no_argument, NULL, OPT_X_NO_NEW_PRIVS },
  { "cap", required_argument, NULL, 'c' },
  { "preserve-fds", required_argument, NULL, OPT_X_PRESERVE_FDS },
  { "cgroup", required_argument, NULL, OPT_X_CGROUP },
  { "ignore-paused", no_argument, NULL, OPT_X_IGNORE_PAUSED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Repeatable options collect into NULL-terminated lists sized for argc. */
struct lists
{
  char **env, **gids, **caps;
  size_t n_env, n_gids, n_caps;
};

static int
set_preserve_fds (skiff_exec_opts *o, const char *arg)
{
  long n;
  /* Bounded so 3 + N cannot overflow an fd number. */
  if (parse_long (arg, 0, INT_MAX - 3, &n) < 0)
    return cli_fail ("invalid --preserve-fds value \"%s\"", arg);
  o->preserve_fds = (int)n;
  return 0;
}

/* One option into o/l: 0 handled, 1 not an exec option, -1 bad value. */
static int
exec_option (int c, char *arg, skiff_exec_opts *o, struct lists *l)
{
  switch (c)
    {
    case 'p':
      o->process_path = arg;
      return 0;
    case 'e':
      l->env[l->n_env++] = arg;
      return 0;
    case 'g':
      l->gids[l->n_gids++] = arg;
      return 0;
    case 'c':
      l->caps[l->n_caps++] = arg;
      return 0;
    case 't':
      o->tty = true;
      return 0;
    case 'u':
      o->user = arg;
      return 0;
    case 'd':
      o->detach = true;
      return 0;
    case OPT_X_CONSOLE_SOCKET:
      o->console_socket = arg;
      return 0;
    case OPT_X_CWD:
      o->cwd = arg;
      return 0;
    case OPT_X_PID_FILE:
      o->pid_file = arg;
      return 0;
    case OPT_X_PROCESS_LABEL:
      o->process_label = arg;
      return 0;
    case OPT_X_APPARMOR:
      o->apparmor = arg;
      return 0;
    case OPT_X_NO_NEW_PRIVS:
      o->no_new_privs = true;
      return 0;
    case OPT_X_CGROUP:
      o->cgroup = arg;
      return 0;
    case OPT_X_IGNORE_PAUSED:
      o->ignore_paused = true;
      return 0;
    case OPT_X_PRESERVE_FDS:
      return set_preserve_fds (o, arg) ? -1 : 0;
    case OPT_X_PIDFD_SOCKET:
      cli_fail ("exec: --pidfd-socket: not supported yet");
      return -1;
    default:
      return 1;
    }
}

int cli_cmd_exec (const skiff_context *ctx, int argc, char **argv);

int
cli_cmd_exec (const skiff_context *ctx, int argc, char **argv)
{
  skiff_exec_opts opts = { 0 };
  skiff_error *err = NULL;
  cleanup_free char **env = xzalloc ((size_t)(argc + 1) * sizeof (char *));
  cleanup_free char **gids = xzalloc ((size_t)(argc + 1) * sizeof (char *));
  cleanup_free char **caps = xzalloc ((size_t)(argc + 1) * sizeof (char *));
  struct lists l = { env, gids, caps, 0, 0, 0 };
  int c, r, status = 0;

  /* '+': stop at the id; what follows belongs to the command. */
  while ((c = getopt_long (argc, argv, "+:p:e:tu:g:dc:h", long_options, NULL)) != -1)
    if ((r = exec_option (c, optarg, &opts, &l)) < 0)
      return 1;
    else if (r > 0)
      return cli_usage ("exec", usage, c, argv);
  int n = argc - optind;
  if (cli_check_args ("exec", n, opts.process_path ? 1 : 2, opts.process_path ? 1 : INT_MAX) < 0
      || cli_check_id (argv[optind]) < 0)
    return 1;
  opts.args = opts.process_path ? NULL : argv + optind + 1;
  opts.env = env;
  opts.additional_gids = gids;
  opts.caps = caps;
  cli_debug ("exec %s: %s%s", argv[optind], opts.process_path ? opts.process_path : argv[optind + 1],
             opts.detach ? ", detached" : "");
  if (skiff_container_exec (ctx, argv[optind], &opts, &status, &err) < 0)
    return cli_fail_error (err);
  return status;
}
