/* Error and debug output. Errors always go to stderr; with --log they are also
 * appended to the log file, because engines (podman, containerd) show the
 * user the last line of that file, not our stderr. Formats follow runc's
 * logrus output: text `time="…" level=error msg="…"` or one JSON object. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* The parsed --log options: the only global state, set once by main(). */
static int log_fd = -1;
static bool log_json;
static bool log_debug;

int
cli_log_init (const char *path, const char *format, bool debug)
{
  log_debug = debug;
  if (format && strcmp (format, "json") == 0)
    log_json = true;
  else if (format && strcmp (format, "text") != 0)
    return cli_fail ("invalid log format \"%s\": must be text or json", format);
  if (path == NULL)
    return 0;
  /* O_APPEND: the engine may hand several invocations the same file. */
  log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return cli_fail ("open log file %s: %s", path, strerror (errno));
  return 0;
}

/* Escape for a JSON string or a logrus quoted value (the same rules cover
 * both: backslash escapes, control characters as \u00XX, UTF-8 as is). */
static char *
escape (const char *s)
{
  char *out = xmalloc (strlen (s) * 6 + 1), *p = out;

  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      switch (c)
        {
        case '"': p = stpcpy (p, "\\\""); break;
        case '\\': p = stpcpy (p, "\\\\"); break;
        case '\n': p = stpcpy (p, "\\n"); break;
        case '\r': p = stpcpy (p, "\\r"); break;
        case '\t': p = stpcpy (p, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            p += sprintf (p, "\\u%04x", c);
          else
            *p++ = (char) c;
        }
    }
  *p = '\0';
  return out;
}

static void
log_write (const char *level, const char *msg)
{
  cleanup_free char *esc = escape (msg);
  cleanup_free char *line = NULL;
  char stamp[32];
  struct tm tm;
  time_t now = time (NULL);

  /* UTC keeps the RFC 3339 stamp independent of the host's zone files. */
  strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
  if (log_json)
    line = xasprintf ("{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, esc, stamp);
  else
    line = xasprintf ("time=\"%s\" level=%s msg=\"%s\"\n", stamp, level, esc);
  /* A log we cannot write must not hide the real error: stderr has it. */
  if (write_all (log_fd, line, strlen (line)) < 0)
    fprintf (stderr, "skiff: write log: %s\n", strerror (errno));
}

static int
fail_msg (const char *msg)
{
  fprintf (stderr, "skiff: %s\n", msg);
  if (log_fd >= 0)
    log_write ("error", msg);
  return 1;
}

int
cli_fail (const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  return fail_msg (msg ? msg : fmt);
}

int
cli_fail_error (skiff_error *err)
{
  int r = fail_msg (err && err->msg ? err->msg : "unknown error");

  skiff_error_free (err);
  return r;
}

void
cli_warn (const char *msg)
{
  fprintf (stderr, "skiff: warning: %s\n", msg);
  if (log_fd >= 0)
    log_write ("warning", msg);
}

void
cli_debug (const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  if (!log_debug)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg == NULL)
    return;
  /* Like runc: debug output goes to the log, or to stderr without one. */
  if (log_fd >= 0)
    log_write ("debug", msg);
  else
    fprintf (stderr, "skiff: debug: %s\n", msg);
}
