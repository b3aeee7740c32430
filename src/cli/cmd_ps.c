/* skiff ps [-f table|json] ID [PS-ARGS...]: the container's processes. json
 * prints the pids; table runs ps(1) (default `-ef`) and keeps the header and
 * the lines whose PID column is one of the container's, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff ps [options] ID [PS-ARGS...]\n\n"
                            "Display the processes running inside a container.\n\n"
                            "Options:\n"
                            "  -f, --format table|json  output format (default table); table runs\n"
                            "                           ps PS-ARGS (default -ef)\n"
                            "  -h, --help               show this help\n";

/* runc encodes a nil Go slice: `null` when there is no process. */
static void
print_json (const pid_t *pids, size_t n)
{
  if (n == 0)
    {
      printf ("null\n");
      return;
    }
  putchar ('[');
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int)pids[i]);
  printf ("]\n");
}

/* Run ps with args; *out gets stdout and stderr together (runc shows both
 * when ps fails). Returns the exit status, or -1 if ps could not run. */
static int
run_ps (char **args, char **out)
{
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (fds[0]), close (fds[1]);
      return -1;
    }
  if (pid == 0)
    {
      dup2 (fds[1], STDOUT_FILENO);
      dup2 (fds[1], STDERR_FILENO);
      execvp ("ps", args);
      fprintf (stderr, "exec ps: %s\n", strerror (errno));
      _exit (127);
    }
  close (fds[1]);
  size_t len = 0;
  int r = read_all_fd (fds[0], out, &len);
  close (fds[0]);
  int status = 0;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Index of the whitespace-separated field "PID" in the header, -1 if none. */
static int
pid_column (const char *header)
{
  cleanup_free char *h = xstrdup (header);
  char *save = NULL;
  int i = 0;
  for (char *f = strtok_r (h, " \t", &save); f; f = strtok_r (NULL, " \t", &save), i++)
    if (strcmp (f, "PID") == 0)
      return i;
  return -1;
}

static bool
line_pid (const char *line, int col, long *out)
{
  cleanup_free char *l = xstrdup (line);
  char *save = NULL, *f = strtok_r (l, " \t", &save);
  for (int i = 0; f && i < col; i++)
    f = strtok_r (NULL, " \t", &save);
  return f && parse_long (f, 0, INT32_MAX, out) == 0;
}

static int
print_table (char **ps_args, size_t n_args, const pid_t *pids, size_t n)
{
  cleanup_free char **args = xzalloc ((n_args + 3) * sizeof (char *));
  args[0] = (char *)"ps";
  if (n_args == 0)
    args[1] = (char *)"-ef";
  for (size_t i = 0; i < n_args; i++)
    args[i + 1] = ps_args[i];
  cleanup_free char *out = NULL;
  int st = run_ps (args, &out);
  if (st < 0)
    return cli_fail ("ps: %s", strerror (errno));
  if (st != 0)
    return cli_fail ("ps: exit status %d: %s", st, out ? out : "");
  char *save = NULL, *header = strtok_r (out, "\n", &save);
  int col = header ? pid_column (header) : -1;
  if (col < 0)
    return cli_fail ("ps: couldn't find PID field in ps output");
  printf ("%s\n", header);
  for (char *l = strtok_r (NULL, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      long p;
      if (!line_pid (l, col, &p))
        return cli_fail ("ps: unable to parse pid in line: %s", l);
      for (size_t i = 0; i < n; i++)
        if (pids[i] == (pid_t)p)
          {
            printf ("%s\n", l);
            break;
          }
    }
  return 0;
}

int
cli_cmd_ps (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_error *err = NULL;
  cleanup_free pid_t *pids = NULL;
  bool json = false;
  size_t n = 0;
  int c;

  /* "+": options stop at the id, everything after it belongs to ps. */
  while ((c = getopt_long (argc, argv, "+:f:h", long_options, NULL)) != -1)
    {
      if (c != 'f')
        return cli_usage ("ps", usage, c, argv);
      if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
        return cli_fail ("ps: invalid format \"%s\": must be table or json", optarg);
      json = strcmp (optarg, "json") == 0;
    }
  if (cli_check_args ("ps", argc - optind, 1, argc) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_pids (ctx, argv[optind], &pids, &n, &err) < 0)
    return cli_fail_error (err);
  if (json)
    {
      print_json (pids, n);
      return 0;
    }
  return print_table (argv + optind + 1, (size_t)(argc - optind - 1), pids, n);
}
