/* One error type for all of libskiff: an errno plus a message that names the
 * object, chained with context on the way up ("create: mount /proc: EPERM").
 * Only the CLI prints it. */
#ifndef SKIFF_ERROR_H
#define SKIFF_ERROR_H

#include <stdarg.h>

typedef struct skiff_error {
  int errnum; /* errno value, 0 when the message says it all */
  char *msg;  /* full message, strerror(errnum) already appended */
} skiff_error;

/* Set *err (if err and *err is empty) and return -1 so callers can write
 * `return skiff_error_set (err, errno, "open %s", path);`.
 * With errnum != 0 the message gets ": <strerror(errnum)>" appended. */
int skiff_error_set (skiff_error **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int skiff_error_setv (skiff_error **err, int errnum, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));

/* Prefix the existing error with context: "<context>: <old message>".
 * Returns -1. Sets a generic error if none was set. */
int skiff_error_wrap (skiff_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void skiff_error_free (skiff_error *err);
/* Free *err and set it to NULL. */
void skiff_error_clear (skiff_error **err);

#define cleanup_error __attribute__ ((cleanup (skiff_error_clear)))

#endif
