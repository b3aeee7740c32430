#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
skiff_error_setv (skiff_error **err, int errnum, const char *fmt, va_list ap)
{
  if (err == NULL || *err != NULL)
    return -1;
  char *base = NULL;
  if (vasprintf (&base, fmt, ap) < 0)
    base = NULL;
  skiff_error *e = xmalloc (sizeof *e);
  e->errnum = errnum;
  if (base == NULL)
    e->msg = xstrdup ("out of memory");
  else if (errnum != 0)
    {
      e->msg = xasprintf ("%s: %s", base, strerror (errnum));
      free (base);
    }
  else
    e->msg = base;
  *err = e;
  return -1;
}

int
skiff_error_set (skiff_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  skiff_error_setv (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
skiff_error_wrap (skiff_error **err, const char *fmt, ...)
{
  if (err == NULL)
    return -1;
  char *ctx = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    ctx = NULL;
  va_end (ap);
  if (*err == NULL)
    {
      skiff_error_set (err, 0, "%s: unknown error", ctx ? ctx : "?");
      free (ctx);
      return -1;
    }
  if (ctx != NULL)
    {
      char *msg = xasprintf ("%s: %s", ctx, (*err)->msg);
      free ((*err)->msg);
      (*err)->msg = msg;
      free (ctx);
    }
  return -1;
}

void
skiff_error_free (skiff_error *err)
{
  if (err == NULL)
    return;
  free (err->msg);
  free (err);
}

void
skiff_error_clear (skiff_error **err)
{
  if (err == NULL)
    return;
  skiff_error_free (*err);
  *err = NULL;
}
