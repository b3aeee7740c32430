/* The systemd driver's bus side: transient units over the system bus with
 * sd-bus (org.freedesktop.systemd1(5): StartTransientUnit, StopUnit,
 * SetUnitProperties, the JobRemoved signal). One connection per operation,
 * closed before returning: a runtime command is short-lived. */
#include "cgroup/systemd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/sdbus.h"
#include "util.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* As runc: a job that is not done in 30 s will not be. */
#define JOB_TIMEOUT_USEC (30ULL * 1000 * 1000)

typedef struct {
  skiff_sdbus api;
  sd_bus *bus;
  sd_bus_slot *slot;
  char *job;    /* object path of the job waited for */
  char *result; /* its result from JobRemoved: "done", "failed", "timeout", ... */
} sd_conn;

static void
conn_close (sd_conn *c)
{
  if (c->slot)
    c->api.slot_unref (c->slot);
  if (c->bus)
    c->api.flush_close_unref (c->bus);
  skiff_sdbus_unload (&c->api);
  free (c->job);
  free (c->result);
  memset (c, 0, sizeof *c);
}
#define cleanup_conn __attribute__ ((cleanup (conn_close)))

/* "<what>: <bus error message>" (the bus error names the unit or property). */
static int
bus_fail (sd_conn *c, sd_bus_error *e, int r, skiff_error **err, const char *what)
{
  int ret;
  if (e && e->message)
    ret = skiff_error_set (err, 0, "systemd: %s: %s", what, e->message);
  else
    ret = skiff_error_set (err, -r, "systemd: %s", what);
  if (e)
    c->api.error_free (e);
  return ret;
}

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  sd_conn *c = userdata;
  uint32_t id;
  const char *path = NULL, *unit = NULL, *result = NULL;
  if (c->api.message_read (m, "uoss", &id, &path, &unit, &result) < 0 || c->job == NULL)
    return 0;
  if (strcmp (path, c->job) == 0 && c->result == NULL)
    c->result = xstrdup (result);
  return 0;
}

int
skiff_sd_available (skiff_error **err)
{
  /* sd_booted(3)'s test, without needing the library for it. */
  if (access ("/run/systemd/system", F_OK) < 0)
    return skiff_error_set (err, 0, "systemd cgroup driver: systemd is not running on this host "
                            "(no /run/systemd/system)");
  if (geteuid () != 0)
    return skiff_error_set (err, 0, "systemd cgroup driver: only for root (the user manager is not supported)");
  skiff_sdbus api;
  if (skiff_sdbus_load (&api, err) < 0)
    return -1;
  skiff_sdbus_unload (&api);
  return 0;
}

/* Open the system bus and ask systemd to send job signals (Subscribe: they
 * are only sent while some client is subscribed). */
static int
conn_open (sd_conn *c, skiff_error **err)
{
  memset (c, 0, sizeof *c);
  if (skiff_sdbus_load (&c->api, err) < 0)
    return -1;
  int r = c->api.open_system (&c->bus);
  if (r < 0)
    return skiff_error_set (err, -r, "systemd: connect to the system bus");
  r = c->api.match_signal (c->bus, &c->slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, c);
  if (r < 0)
    return skiff_error_set (err, -r, "systemd: subscribe to JobRemoved");
  sd_bus_error e = SD_BUS_ERROR_NULL;
  r = c->api.call_method (c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL, "");
  if (r < 0)
    return bus_fail (c, &e, r, err, "Subscribe");
  return 0;
}

/* Process bus messages until JobRemoved names c->job, or the timeout. */
static int
wait_job (sd_conn *c, const char *what, skiff_error **err)
{
  uint64_t deadline = monotonic_usec () + JOB_TIMEOUT_USEC;
  while (c->result == NULL)
    {
      int r = c->api.process (c->bus, NULL);
      if (r < 0)
        return skiff_error_set (err, -r, "systemd: %s: wait for job `%s`", what, c->job);
      if (r > 0)
        continue;
      uint64_t now = monotonic_usec ();
      if (now >= deadline)
        return skiff_error_set (err, ETIMEDOUT, "systemd: %s: job `%s` not finished after %llu s", what, c->job,
                                (unsigned long long) (JOB_TIMEOUT_USEC / 1000000));
      r = c->api.wait (c->bus, deadline - now);
      if (r < 0 && r != -EINTR)
        return skiff_error_set (err, -r, "systemd: %s: wait for job `%s`", what, c->job);
    }
  if (strcmp (c->result, "done") != 0)
    return skiff_error_set (err, 0, "systemd: %s: job finished with result `%s`", what, c->result);
  return 0;
}

/* The reply of a job-creating method names the job to wait for. */
static int
take_job (sd_conn *c, sd_bus_message *reply, const char *what, skiff_error **err)
{
  const char *job = NULL;
  int r = c->api.message_read (reply, "o", &job);
  c->api.message_unref (reply);
  if (r < 0)
    return skiff_error_set (err, -r, "systemd: %s: read the job path", what);
  c->job = xstrdup (job);
  return 0;
}

static int
append_strv (sd_conn *c, sd_bus_message *m, const skiff_sd_prop *p)
{
  bool pairs = strcmp (p->sig, "a(ss)") == 0;
  int r = c->api.message_open_container (m, 'a', pairs ? "(ss)" : "s");
  for (size_t i = 0; r >= 0 && p->strv && p->strv[i]; i += pairs ? 2 : 1)
    r = pairs ? c->api.message_append (m, "(ss)", p->strv[i], p->strv[i + 1])
              : c->api.message_append (m, "s", p->strv[i]);
  return r < 0 ? r : c->api.message_close_container (m);
}

/* One (sv) of a property array. */
static int
append_prop (sd_conn *c, sd_bus_message *m, const skiff_sd_prop *p)
{
  int r = c->api.message_open_container (m, 'r', "sv");
  if (r >= 0)
    r = c->api.message_append (m, "s", p->name);
  if (r >= 0)
    r = c->api.message_open_container (m, 'v', p->sig);
  if (r < 0)
    return r;
  if (strcmp (p->sig, "b") == 0)
    r = c->api.message_append (m, "b", (int) (p->num != 0));
  else if (strcmp (p->sig, "t") == 0)
    r = c->api.message_append (m, "t", p->num);
  else if (strcmp (p->sig, "s") == 0)
    r = c->api.message_append (m, "s", p->str);
  else if (strcmp (p->sig, "ay") == 0)
    r = c->api.message_append_array (m, 'y', p->bytes, p->n_bytes);
  else
    r = append_strv (c, m, p);
  if (r >= 0)
    r = c->api.message_close_container (m);
  return r < 0 ? r : c->api.message_close_container (m);
}

static int
append_props (sd_conn *c, sd_bus_message *m, const skiff_sd_props *props)
{
  for (size_t i = 0; props && i < props->n; i++)
    {
      int r = append_prop (c, m, &props->v[i]);
      if (r < 0)
        return r;
    }
  return 0;
}

/* What every container unit gets: no implicit dependencies (a container
 * must not wait for or stop with unrelated units), accounting for the
 * controllers its limits use, and for a scope its slice, the init pid and
 * delegation (the runtime writes the cgroup files itself). */
static int
append_unit_props (sd_conn *c, sd_bus_message *m, const skiff_sd_start *s, bool scope)
{
  static const char *const accounting[] = { "CPUAccounting", "MemoryAccounting", "TasksAccounting" };
  cleanup_free char *slice = skiff_sd_parent_slice (s->path);
  int r = c->api.message_append (m, "(sv)", "Description", "s", s->description);
  if (r >= 0)
    r = c->api.message_append (m, "(sv)", "DefaultDependencies", "b", 0);
  for (size_t i = 0; r >= 0 && i < sizeof accounting / sizeof accounting[0]; i++)
    r = c->api.message_append (m, "(sv)", accounting[i], "b", 1);
  if (r >= 0 && scope)
    r = c->api.message_append (m, "(sv)", "Slice", "s", slice);
  if (r >= 0 && scope)
    r = c->api.message_append (m, "(sv)", "Delegate", "b", 1);
  if (r >= 0 && scope)
    r = c->api.message_append (m, "(sv)", "PIDs", "au", 1, (uint32_t) s->pid);
  /* A slice's parent comes from its name; Wants= keeps it started. */
  if (r >= 0 && !scope)
    r = c->api.message_append (m, "(sv)", "Wants", "as", 1, slice);
  return r;
}

static int
start_message (sd_conn *c, const skiff_sd_start *s, sd_bus_message **out)
{
  size_t len = strlen (s->unit);
  bool scope = len > 6 && strcmp (s->unit + len - 6, ".scope") == 0;
  sd_bus_message *m = NULL;
  int r = c->api.message_new_method_call (c->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = c->api.message_append (m, "ss", s->unit, "fail");
  if (r >= 0)
    r = c->api.message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = append_unit_props (c, m, s, scope);
  if (r >= 0)
    r = append_props (c, m, s->props);
  if (r >= 0)
    r = c->api.message_close_container (m);
  /* No auxiliary units. */
  if (r >= 0)
    r = c->api.message_append (m, "a(sa(sv))", 0);
  if (r < 0)
    {
      if (m)
        c->api.message_unref (m);
      return r;
    }
  *out = m;
  return 0;
}

int
skiff_sd_start_unit (const skiff_sd_start *s, skiff_error **err)
{
  cleanup_conn sd_conn c;
  if (conn_open (&c, err) < 0)
    return -1;
  cleanup_free char *what = xasprintf ("start unit `%s`", s->unit);
  sd_bus_message *m = NULL, *reply = NULL;
  int r = start_message (&c, s, &m);
  if (r < 0)
    return skiff_error_set (err, -r, "systemd: %s: build the request", what);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  r = c.api.call (c.bus, m, 0, &e, &reply);
  c.api.message_unref (m);
  if (r < 0)
    return bus_fail (&c, &e, r, err, what);
  if (take_job (&c, reply, what, err) < 0)
    return -1;
  return wait_job (&c, what, err);
}

int
skiff_sd_set_properties (const char *unit, const skiff_sd_props *props, skiff_error **err)
{
  if (props == NULL || props->n == 0)
    return 0;
  cleanup_conn sd_conn c;
  if (conn_open (&c, err) < 0)
    return -1;
  cleanup_free char *what = xasprintf ("set properties of unit `%s`", unit);
  sd_bus_message *m = NULL;
  int r = c.api.message_new_method_call (c.bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  /* runtime: the change lives in /run and goes away with the unit. */
  if (r >= 0)
    r = c.api.message_append (m, "sb", unit, 1);
  if (r >= 0)
    r = c.api.message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = append_props (&c, m, props);
  if (r >= 0)
    r = c.api.message_close_container (m);
  if (r < 0)
    {
      if (m)
        c.api.message_unref (m);
      return skiff_error_set (err, -r, "systemd: %s: build the request", what);
    }
  sd_bus_error e = SD_BUS_ERROR_NULL;
  r = c.api.call (c.bus, m, 0, &e, NULL);
  c.api.message_unref (m);
  return r < 0 ? bus_fail (&c, &e, r, err, what) : 0;
}

int
skiff_sd_stop_unit (const char *unit, skiff_error **err)
{
  cleanup_conn sd_conn c;
  if (conn_open (&c, err) < 0)
    return -1;
  cleanup_free char *what = xasprintf ("stop unit `%s`", unit);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  int r = c.api.call_method (c.bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, &reply, "ss", unit, "replace");
  if (r < 0)
    {
      /* A scope goes away by itself once empty: nothing left to stop. */
      if (c.api.error_has_name (&e, "org.freedesktop.systemd1.NoSuchUnit"))
        {
          c.api.error_free (&e);
          return 0;
        }
      return bus_fail (&c, &e, r, err, what);
    }
  if (take_job (&c, reply, what, err) < 0 || wait_job (&c, what, err) < 0)
    return -1;
  /* A unit that ended "failed" stays loaded until reset, and its name
   * could not be used again. */
  c.api.call_method (c.bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL, "s", unit);
  return 0;
}
