/* Small helpers used everywhere: allocation that cannot fail, cleanup
 * attributes so early returns never leak, and whole-file I/O. */
#ifndef SKIFF_UTIL_H
#define SKIFF_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/* Allocation: abort on OOM, a runtime cannot do anything useful without memory. */
void *xmalloc (size_t n);
void *xzalloc (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
void cleanup_fclosep (FILE **f);
void cleanup_closedirp (DIR **d);
void cleanup_strvp (char ***v);

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_fclose __attribute__ ((cleanup (cleanup_fclosep)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_closedirp)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

/* Hand ownership out of a cleanup variable. */
static inline int
take_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}
static inline void *
take_ptr (void *pp)
{
  void **p = pp;
  void *r = *p;
  *p = NULL;
  return r;
}

/* Retry on EINTR; write everything. Return 0 or -errno. */
int write_all (int fd, const void *buf, size_t len);
/* Read until EOF into a NUL-terminated buffer. Return 0 or -errno. */
int read_all_fd (int fd, char **out, size_t *len);
/* Read a whole file relative to dirfd (AT_FDCWD for plain paths). */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, skiff_error **err);
/* Write a small file that must exist (procfs, cgroupfs, sysctl). */
int write_file_at (int dirfd, const char *path, const char *data, size_t len, skiff_error **err);
/* Atomically replace dirfd/name: unique temp file in the same dir, fsync-less
 * write, rename over. Readers never see a partial file. */
int write_file_atomic (int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                       skiff_error **err);

/* mkdir -p: missing parents 0755, the last component `mode`. 0 or -1 (errno). */
int mkdir_p (const char *path, mode_t mode);
/* The user name of uid from the passwd database, else "#<uid>". */
char *user_name (uid_t uid);

size_t strv_len (char *const *v);
/* Append a copy of s to the counted vector (*v, *n), kept NULL-terminated. */
void strv_push (char ***v, size_t *n, const char *s);
/* A deep copy; NULL gives an empty vector. */
char **strv_dup (char *const *v);
void strv_free (char **v);

/* Parse a decimal integer, whole string, with range check. Return 0 or -EINVAL/-ERANGE. */
int parse_long (const char *s, long min, long max, long *out);

/* Mark every fd >= from close-on-exec (close_range with a /proc fallback). */
int mark_cloexec_from (int from);
/* Close every fd >= from except the ones in keep (sorted or not). */
int close_fds_from (int from, const int *keep, size_t n_keep);

/* A connected, close-on-exec SOCK_STREAM unix socket to path; errors name
 * what it is ("console socket", "listenerPath"). */
int unix_connect (const char *path, const char *what, skiff_error **err);

/* CLOCK_MONOTONIC in microseconds, for deadlines. */
uint64_t monotonic_usec (void);

#endif
