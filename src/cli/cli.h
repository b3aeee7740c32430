/* Shared pieces of the skiff command line: error reporting and logging
 * (log.c), argument checks, and one entry point per command (cmd_*.c). */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "skiff.h"

/* A command: argv[0] is the command name, options and operands follow. */
typedef int (*cli_command_fn) (const skiff_context *ctx, int argc, char **argv);

/* log.c: --log/--log-format/--debug. Without --log, only stderr is used. */
int cli_log_init (const char *path, const char *format, bool debug);
/* Print "skiff: <msg>" on stderr, append it to the log, return 1 (the exit code). */
int cli_fail (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Same for a library error; frees it. */
int cli_fail_error (skiff_error *err);
/* Print "skiff: warning: <msg>" on stderr and append it to the log. */
void cli_warn (const char *msg);
void cli_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Check the operand count after getopt: 0 if min <= n <= max, else prints a
 * runc-style message and returns -1. */
int cli_check_args (const char *cmd, int n, int min, int max);
/* Validate an id, reporting the error. 0 or -1. */
int cli_check_id (const char *id);
/* The non-option cases of a subcommand's getopt loop: 'h' prints the usage
 * on stdout, ':' and '?' report the bad option. Returns the exit code (0 for
 * help, 1 otherwise). main() resets getopt before each command and turns
 * getopt's own messages off so every error goes through cli_fail. */
int cli_usage (const char *cmd, const char *usage, int c, char **argv);

/* Options shared by create and run (cmd_create.c). */
enum {
  OPT_CONSOLE_SOCKET = 0x100,
  OPT_PIDFD_SOCKET,
  OPT_PID_FILE,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_NO_SUBREAPER,
  OPT_KEEP,
  OPT_ROOTLESS,
};

/* clang-format off */
#define CLI_CREATE_LONG_OPTIONS \
  { "bundle", required_argument, NULL, 'b' }, \
  { "config", required_argument, NULL, 'f' }, \
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET }, \
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET }, \
  { "pid-file", required_argument, NULL, OPT_PID_FILE }, \
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT }, \
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING }, \
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS }, \
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER }, \
  { "help", no_argument, NULL, 'h' }
/* clang-format on */
/* ':' first: report a missing option argument as ':' rather than '?'. */
#define CLI_CREATE_SHORT_OPTIONS ":b:f:h"
#define CLI_CREATE_USAGE \
  "  -b, --bundle DIR          bundle directory (default: current directory)\n" \
  "  -f, --config FILE         config file (default: BUNDLE/config.json)\n" \
  "      --console-socket PATH unix socket that receives the pty master\n" \
  "      --pid-file PATH       write the container init's pid here\n" \
  "      --no-pivot            use chroot instead of pivot_root\n" \
  "      --no-new-keyring      keep the caller's session keyring\n" \
  "      --preserve-fds N      pass N extra fds (from 3) to the container\n" \
  "      --no-subreaper        accepted for compatibility\n"

/* One create/run option into opts: 1 if handled, 0 if not a create option,
 * -1 on a bad value (already reported). */
int cli_create_option (int c, const char *arg, skiff_create_opts *opts);

int cli_cmd_spec (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_create (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_start (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_run (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_state (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_kill (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_delete (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_list (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_features (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_exec (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_pause (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_resume (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_ps (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_update (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_events (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_checkpoint (const skiff_context *ctx, int argc, char **argv);
int cli_cmd_restore (const skiff_context *ctx, int argc, char **argv);

/* Options shared by checkpoint and restore (cmd_checkpoint.c). */
enum {
  OPT_CRIU_IMAGE_PATH = 0x300,
  OPT_CRIU_WORK_PATH,
  OPT_CRIU_TCP_ESTABLISHED,
  OPT_CRIU_EXT_UNIX_SK,
  OPT_CRIU_SHELL_JOB,
  OPT_CRIU_FILE_LOCKS,
  OPT_CRIU_MANAGE_CGROUPS_MODE,
  OPT_CRIU_EMPTY_NS,
  OPT_CRIU_AUTO_DEDUP,
  OPT_CRIU_LAZY_PAGES,
};
struct skiff_criu_opts;
/* One shared option into o: 1 if handled, 0 if not a shared option. */
int cli_criu_option (int c, const char *arg, struct skiff_criu_opts *o);

#endif
