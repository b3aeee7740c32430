#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "util.h"

#define STATE_FILE "state.json"
#define INIT_FILE "init"
#define CONFIG_FILE "config.json"

int
skiff_state_root_open (const char *root, bool create, int *out, skiff_error **err)
{
  if (create && mkdir_p (root, 0700) < 0)
    return skiff_error_set (err, errno, "create state directory `%s`", root);
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return skiff_error_set (err, errno, "open state directory `%s`", root);
  *out = fd;
  return 0;
}

static skiff_record *
record_new (const char *id, int dirfd)
{
  skiff_record *r = xzalloc (sizeof *r);
  r->id = xstrdup (id);
  r->dirfd = dirfd;
  return r;
}

void
skiff_record_free (skiff_record *rec)
{
  if (rec == NULL)
    return;
  if (rec->dirfd >= 0)
    close (rec->dirfd); /* also drops the flock */
  oci_state_free (rec->state);
  free (rec->cgroup_path);
  free (rec->cgroup_unit);
  free (rec->id);
  free (rec);
}

static int
lock_dir (int dirfd, bool exclusive, const char *id, skiff_error **err)
{
  int r;
  do
    r = flock (dirfd, exclusive ? LOCK_EX : LOCK_SH);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return skiff_error_set (err, errno, "lock container `%s`", id);
  return 0;
}

int
skiff_record_create (int rootfd, const char *id, skiff_record **out, skiff_error **err)
{
  if (mkdirat (rootfd, id, 0711) < 0)
    {
      if (errno == EEXIST)
        return skiff_error_set (err, 0, "container `%s` already exists", id);
      return skiff_error_set (err, errno, "create state directory for `%s`", id);
    }
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int e = errno;
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return skiff_error_set (err, e, "open state directory for `%s`", id);
    }
  skiff_record *rec = record_new (id, fd);
  if (lock_dir (fd, true, id, err) < 0)
    {
      skiff_record_remove (rootfd, rec, NULL);
      skiff_record_free (rec);
      return -1;
    }
  *out = rec;
  return 0;
}

static int
load_init_file (skiff_record *rec, skiff_error **err)
{
  cleanup_free char *buf = NULL;
  if (read_file_at (rec->dirfd, INIT_FILE, &buf, NULL, err) < 0)
    return -1;
  char *nl = strchr (buf, '\n');
  int pid = 0;
  /* pid 0: create recorded the cgroup before cloning the init. */
  if (nl == NULL || sscanf (buf, "%d %llu", &pid, &rec->init_start) != 2 || pid < 0)
    return skiff_error_set (err, 0, "container `%s`: corrupt init file", rec->id);
  rec->init_pid = pid;
  char *cg = nl + 1;
  char *end = strchr (cg, '\n');
  char *unit = end ? end + 1 : NULL;
  if (end)
    *end = '\0';
  rec->cgroup_path = *cg ? xstrdup (cg) : NULL;
  /* The driver is part of the container: delete, update and exec follow
   * it whatever --systemd-cgroup says then (as runc records it). */
  if (unit && *unit && *unit != '\n')
    rec->cgroup_unit = xstrndup (unit, strcspn (unit, "\n"));
  return 0;
}

static int
load_state_file (skiff_record *rec, skiff_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (rec->dirfd, STATE_FILE, &buf, &len, err) < 0)
    return -1;
  cleanup_free char *msg = NULL;
  if (oci_state_parse (buf, len, &rec->state, &msg) < 0)
    return skiff_error_set (err, 0, "container `%s`: corrupt state.json: %s", rec->id,
                            msg ? msg : "parse error");
  return 0;
}

static skiff_record *
record_open_locked (int rootfd, const char *id, bool exclusive, skiff_error **err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        skiff_error_set (err, 0, "container `%s` does not exist", id);
      else
        skiff_error_set (err, errno, "open state of container `%s`", id);
      return NULL;
    }
  skiff_record *rec = record_new (id, fd);
  if (lock_dir (fd, exclusive, id, err) < 0)
    {
      skiff_record_free (rec);
      return NULL;
    }
  return rec;
}

int
skiff_record_open (int rootfd, const char *id, bool exclusive, skiff_record **out,
                   skiff_error **err)
{
  skiff_record *rec = record_open_locked (rootfd, id, exclusive, err);
  if (rec == NULL)
    return -1;
  /* A directory without state.json is a create that never finished (the
   * runtime was killed): leave state NULL so delete --force can clean it. */
  if (faccessat (rec->dirfd, STATE_FILE, F_OK, 0) == 0)
    {
      if (load_state_file (rec, err) < 0 || load_init_file (rec, err) < 0)
        {
          skiff_record_free (rec);
          return -1;
        }
    }
  else if (faccessat (rec->dirfd, INIT_FILE, F_OK, 0) == 0)
    {
      skiff_error *ignored = NULL;
      load_init_file (rec, &ignored); /* best effort: lets delete kill the orphan init */
      skiff_error_free (ignored);
    }
  *out = rec;
  return 0;
}

int
skiff_record_open_damaged (int rootfd, const char *id, skiff_record **out, skiff_error **err)
{
  skiff_record *rec = record_open_locked (rootfd, id, true, err);
  if (rec == NULL)
    return -1;
  skiff_error *ignored = NULL;
  /* Whatever still parses helps: the init file names the pid and cgroup. */
  if (load_init_file (rec, &ignored) < 0)
    {
      rec->init_pid = 0;
      free (rec->cgroup_path);
      rec->cgroup_path = NULL;
      free (rec->cgroup_unit);
      rec->cgroup_unit = NULL;
    }
  skiff_error_clear (&ignored);
  if (load_state_file (rec, &ignored) < 0)
    {
      oci_state_free (rec->state);
      rec->state = NULL;
    }
  skiff_error_free (ignored);
  *out = rec;
  return 0;
}

int
skiff_record_save_init (skiff_record *rec, skiff_error **err)
{
  cleanup_free char *init = xasprintf ("%d %llu\n%s\n%s%s", (int) rec->init_pid, rec->init_start,
                                       rec->cgroup_path ? rec->cgroup_path : "",
                                       rec->cgroup_unit ? rec->cgroup_unit : "", rec->cgroup_unit ? "\n" : "");
  return write_file_atomic (rec->dirfd, INIT_FILE, init, strlen (init), 0600, err);
}

int
skiff_record_save_state (skiff_record *rec, skiff_error **err)
{
  cleanup_free char *json = oci_state_to_json (rec->state, false);
  if (json == NULL)
    return skiff_error_set (err, ENOMEM, "serialize state of `%s`", rec->id);
  return write_file_atomic (rec->dirfd, STATE_FILE, json, strlen (json), 0600, err);
}
int
skiff_record_save_spec (skiff_record *rec, const oci_spec *spec, skiff_error **err)
{
  cleanup_free char *json = oci_spec_to_json (spec, false);
  if (json == NULL)
    return skiff_error_set (err, ENOMEM, "serialize config of `%s`", rec->id);
  return write_file_atomic (rec->dirfd, CONFIG_FILE, json, strlen (json), 0600, err);
}

int
skiff_record_load_spec (const skiff_record *rec, oci_spec **out, skiff_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (rec->dirfd, CONFIG_FILE, &buf, &len, err) < 0)
    return -1;
  cleanup_free char *msg = NULL;
  if (oci_spec_parse (buf, len, out, &msg) < 0)
    return skiff_error_set (err, 0, "container `%s`: corrupt config.json: %s", rec->id,
                            msg ? msg : "parse error");
  return 0;
}

int
skiff_record_remove (int rootfd, skiff_record *rec, skiff_error **err)
{
  /* Remove every entry (including stray temp files), then the directory. */
  int dupfd = dup (rec->dirfd);
  if (dupfd < 0)
    return skiff_error_set (err, errno, "remove state of `%s`", rec->id);
  DIR *d = fdopendir (dupfd);
  if (d == NULL)
    {
      close (dupfd);
      return skiff_error_set (err, errno, "remove state of `%s`", rec->id);
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      unlinkat (rec->dirfd, de->d_name, 0);
    }
  closedir (d);
  if (unlinkat (rootfd, rec->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return skiff_error_set (err, errno, "remove state directory of `%s`", rec->id);
  return 0;
}

unsigned long long
skiff_proc_starttime (pid_t pid, bool *zombie)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_free char *buf = NULL;
  if (read_file_at (AT_FDCWD, path, &buf, NULL, NULL) < 0)
    return 0;
  /* comm may contain spaces and parentheses: parse from the last ')'. */
  char *p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  char state = 0;
  unsigned long long start = 0;
  /* After ")": state(3) ppid(4) ... starttime is field 22, i.e. 19 fields after state. */
  if (sscanf (p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &state, &start) != 2)
    return 0;
  if (zombie)
    *zombie = (state == 'Z' || state == 'X');
  return start;
}

bool
skiff_record_init_alive (const skiff_record *rec)
{
  if (rec->init_pid <= 0)
    return false;
  bool zombie = false;
  unsigned long long start = skiff_proc_starttime (rec->init_pid, &zombie);
  return start != 0 && start == rec->init_start && !zombie;
}

/* Paused lives only in the freezer (not in state.json), so that a
 * container frozen by someone else (an engine, a kill --all in progress)
 * is reported as it really is. */
static bool
frozen (const skiff_record *rec)
{
  return rec->cgroup_path != NULL && skiff_cgroup_is_frozen (rec->cgroup_path);
}

/* Created means the init still waits on the exec fifo. The file alone does
 * not prove it: a `start` killed between its write and its unlink leaves the
 * file behind while the init has gone on, so ask whether anyone still holds
 * the read side (the init closes it before execve). */
static bool
fifo_has_reader (const skiff_record *rec)
{
  int fd = openat (rec->dirfd, SKIFF_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return false; /* ENOENT: started; ENXIO: nobody reads it any more */
  close (fd);
  return true;
}

const char *
skiff_record_status (const skiff_record *rec)
{
  if (rec->state == NULL)
    return "creating";
  if (!skiff_record_init_alive (rec))
    return "stopped";
  if (fifo_has_reader (rec))
    return "created";
  return frozen (rec) ? "paused" : "running";
}

char *
skiff_now_rfc3339 (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r (&ts.tv_sec, &tm);
  char date[32];
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", date, ts.tv_nsec);
}
