/* The criu(8) command lines of checkpoint and restore, built from runc's
 * flags, and criu's reason read back from its log. Pure: nothing here runs
 * or touches anything, so all of it is unit-tested (tests/unit/test-criu.c). */
#include "criu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/mounts.h"
#include "util.h"

typedef struct argv_buf
{
  char **v;
  size_t n, cap;
} argv_buf;

static void
arg_add (argv_buf *b, const char *s)
{
  if (b->n + 2 > b->cap)
    b->v = xrealloc (b->v, (b->cap = b->cap ? b->cap * 2 : 32) * sizeof (char *));
  b->v[b->n++] = xstrdup (s);
  b->v[b->n] = NULL;
}

static void __attribute__ ((format (printf, 2, 3))) arg_addf (argv_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    abort (); /* as xmalloc: out of memory is not recoverable */
  va_end (ap);
  arg_add (b, s);
}

static void
arg_flag (argv_buf *b, bool on, const char *flag)
{
  if (on)
    arg_add (b, flag);
}

/* Bind mounts come from outside the container's root, which criu cannot
 * dump: they are declared external, keyed by their destination, and given
 * their source again at restore. */
static void
add_ext_mounts (argv_buf *b, const skiff_criu_target *t, bool restore)
{
  for (size_t i = 0; t->spec && i < t->spec->n_mounts; i++)
    {
      const oci_mount *m = &t->spec->mounts[i];
      if (!skiff_mount_is_bind (m) || m->destination == NULL || m->source == NULL)
        continue;
      arg_add (b, "--ext-mount-map");
      if (!restore)
        arg_addf (b, "%s:%s", m->destination, m->destination);
      else if (m->source[0] == '/' || t->bundle == NULL)
        arg_addf (b, "%s:%s", m->destination, m->source);
      else
        arg_addf (b, "%s:%s/%s", m->destination, t->bundle, m->source);
    }
  for (size_t i = 0; t->masked_files && t->masked_files[i]; i++)
    {
      arg_add (b, "--ext-mount-map");
      arg_addf (b, "%s:%s", t->masked_files[i], restore ? "/dev/null" : t->masked_files[i]);
    }
}

int
skiff_criu_check_opts (const skiff_criu_opts *o, skiff_error **err)
{
  static const char *const modes[] = { "soft", "full", "strict", "ignore" };
  if (o->image_path == NULL || *o->image_path == '\0')
    return skiff_error_set (err, 0, "--image-path: must not be empty");
  if (o->manage_cgroups_mode)
    {
      size_t i = 0;
      while (i < sizeof modes / sizeof modes[0] && strcmp (o->manage_cgroups_mode, modes[i]) != 0)
        i++;
      if (i == sizeof modes / sizeof modes[0])
        return skiff_error_set (err, 0, "--manage-cgroups-mode `%s`: must be soft, full, strict or ignore",
                                o->manage_cgroups_mode);
    }
  /* runc only knows the network namespace here (criu: "net"). */
  if (o->empty_ns && strcmp (o->empty_ns, "network") != 0 && strcmp (o->empty_ns, "net") != 0)
    return skiff_error_set (err, 0, "--empty-ns `%s`: only `network` is supported", o->empty_ns);
  return 0;
}

/* Options that mean the same to dump and restore. */
static void
add_common (argv_buf *b, const skiff_criu_opts *o, const skiff_criu_target *t, const char *log)
{
  arg_add (b, "--images-dir");
  arg_add (b, o->image_path);
  arg_add (b, "--work-dir");
  arg_add (b, o->work_path ? o->work_path : o->image_path);
  /* Relative to the work dir; -v4 so a failure can be explained from it. */
  arg_add (b, "--log-file");
  arg_add (b, log);
  arg_add (b, "-v4");
  if (t->root)
    {
      arg_add (b, "--root");
      arg_add (b, t->root);
    }
  arg_flag (b, o->tcp_established, "--tcp-established");
  arg_flag (b, o->ext_unix_sk, "--ext-unix-sk");
  arg_flag (b, o->shell_job, "--shell-job");
  arg_flag (b, o->file_locks, "--file-locks");
  arg_flag (b, o->lazy_pages, "--lazy-pages");
  arg_flag (b, o->auto_dedup, "--auto-dedup");
  /* An optional argument in criu's getopt: it must be attached with '='. */
  if (o->manage_cgroups_mode)
    arg_addf (b, "--manage-cgroups=%s", o->manage_cgroups_mode);
  if (t->cgroup_path)
    {
      arg_add (b, "--cgroup-root");
      arg_add (b, t->cgroup_path);
    }
  if (o->empty_ns)
    {
      arg_add (b, "--empty-ns");
      arg_add (b, "net");
    }
}

/* "ADDR:PORT" (or "[v6]:PORT") into criu's --address/--port. */
static int
add_page_server (argv_buf *b, const char *spec, skiff_error **err)
{
  const char *colon = strrchr (spec, ':');
  long port;
  if (colon == NULL || colon == spec || parse_long (colon + 1, 1, 65535, &port) < 0)
    return skiff_error_set (err, 0, "--page-server `%s`: must be ADDRESS:PORT", spec);
  size_t alen = (size_t)(colon - spec);
  if (alen > 2 && spec[0] == '[' && spec[alen - 1] == ']')
    spec++, alen -= 2;
  cleanup_free char *addr = xstrndup (spec, alen);
  arg_add (b, "--page-server");
  arg_add (b, "--address");
  arg_add (b, addr);
  arg_add (b, "--port");
  arg_addf (b, "%ld", port);
  return 0;
}

int
skiff_criu_dump_argv (const skiff_criu_opts *o, const skiff_criu_target *t, char ***argv_out,
                      skiff_error **err)
{
  argv_buf b = { 0 };
  if (skiff_criu_check_opts (o, err) < 0)
    return -1;
  if (t->pid <= 0)
    return skiff_error_set (err, 0, "criu dump: no process to dump");
  arg_add (&b, "criu");
  arg_add (&b, o->pre_dump ? "pre-dump" : "dump");
  arg_add (&b, "--tree");
  arg_addf (&b, "%d", (int)t->pid);
  add_common (&b, o, t, o->pre_dump ? "pre-dump.log" : "dump.log");
  /* pre-dump always leaves the tree running; its point is tracking memory. */
  arg_flag (&b, o->leave_running && !o->pre_dump, "--leave-running");
  arg_flag (&b, o->pre_dump, "--track-mem");
  arg_flag (&b, o->tcp_skip_in_flight, "--skip-in-flight"); /* criu's name for it */
  arg_flag (&b, o->link_remap, "--link-remap");
  if (o->parent_path)
    {
      arg_add (&b, "--prev-images-dir");
      arg_add (&b, o->parent_path);
    }
  if (o->status_fd >= 0)
    arg_addf (&b, "--status-fd=%d", o->status_fd);
  if (o->page_server && add_page_server (&b, o->page_server, err) < 0)
    {
      strv_free (b.v);
      return -1;
    }
  add_ext_mounts (&b, t, false);
  *argv_out = b.v;
  return 0;
}

int
skiff_criu_restore_argv (const skiff_criu_opts *o, const skiff_criu_target *t, char ***argv_out,
                         skiff_error **err)
{
  argv_buf b = { 0 };
  if (skiff_criu_check_opts (o, err) < 0)
    return -1;
  if (t->pidfile == NULL)
    return skiff_error_set (err, 0, "criu restore: no pid file");
  arg_add (&b, "criu");
  arg_add (&b, "restore");
  /* Detached: criu exits once the tree runs. Sibling: the restored init
   * becomes our child, so a foreground restore can wait for it. */
  arg_add (&b, "--restore-detached");
  arg_add (&b, "--restore-sibling");
  arg_add (&b, "--pidfile");
  arg_add (&b, t->pidfile);
  add_common (&b, o, t, "restore.log");
  if (o->lsm_profile)
    {
      arg_add (&b, "--lsm-profile");
      arg_add (&b, o->lsm_profile);
    }
  if (o->lsm_mount_context)
    {
      arg_add (&b, "--lsm-mount-context");
      arg_add (&b, o->lsm_mount_context);
    }
  /* A pipe on the init's stdio had its other end outside the container:
   * reconnect it to ours, as runc does. */
  for (int i = 0; i < 3; i++)
    if (t->stdio[i] && strncmp (t->stdio[i], "pipe:", 5) == 0)
      {
        arg_add (&b, "--inherit-fd");
        arg_addf (&b, "fd[%d]:%s", i, t->stdio[i]);
      }
  add_ext_mounts (&b, t, true);
  *argv_out = b.v;
  return 0;
}

/* The start of the message in a criu log line: "(00.001234) Error (...)"
 * and the bare "Error (...)" of its stderr both give "Error (...)". */
static const char *
error_in_line (const char *line, size_t len, size_t *msg_len)
{
  const char *p = line, *end = line + len;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p < end && *p == '(')
    {
      const char *close = memchr (p, ')', (size_t)(end - p));
      if (close == NULL)
        return NULL;
      for (p = close + 1; p < end && *p == ' '; p++)
        ;
    }
  if ((size_t)(end - p) < 5 || strncmp (p, "Error", 5) != 0)
    return NULL;
  *msg_len = (size_t)(end - p);
  return p;
}

char *
skiff_criu_log_errors (const char *text, size_t max)
{
  const char *hits[64];
  size_t lens[64], n = 0;
  for (const char *line = text; line && *line && max > 0;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t)(nl - line) : strlen (line), mlen = 0;
      const char *msg = error_in_line (line, len, &mlen);
      if (msg)
        {
          /* Keep only the last max hits (bounded by the array). */
          size_t keep = max < 64 ? max : 64;
          if (n == keep)
            {
              memmove (hits, hits + 1, (n - 1) * sizeof hits[0]);
              memmove (lens, lens + 1, (n - 1) * sizeof lens[0]);
              n--;
            }
          hits[n] = msg;
          lens[n++] = mlen;
        }
      line = nl ? nl + 1 : NULL;
    }
  if (n == 0)
    return NULL;
  char *out = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%s%.*s", out, i ? "; " : "", (int)lens[i], hits[i]);
      free (out);
      out = next;
    }
  return out;
}

char *
skiff_criu_first_error (const char *text)
{
  for (const char *line = text; line && *line;)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t)(nl - line) : strlen (line), mlen = 0;
      const char *msg = error_in_line (line, len, &mlen);
      if (msg)
        return xstrndup (msg, mlen);
      line = nl ? nl + 1 : NULL;
    }
  return NULL;
}
