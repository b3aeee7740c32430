/* Mount options: the input split on ',' (and NUL) is one mount's options
 * array, as in config.json; each option is also tried as a rootfs
 * propagation name. */
#include "fuzz.h"

#include <sys/mount.h>

#include "error.h"
#include "linux/mounts.h"

#define MAX_OPTS 64

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = fuzz_strndup (data, size);
  char *opts[MAX_OPTS];
  size_t n = 0;
  skiff_error *err = NULL;

  /* Split in place; NUL also separates so empty options ("") occur. */
  char *start = buf;
  for (size_t i = 0; i <= size && n < MAX_OPTS; i++)
    if (buf[i] == ',' || buf[i] == '\0')
      {
        buf[i] = '\0';
        opts[n++] = start;
        start = buf + i + 1;
      }

  skiff_mount_opts o;
  if (skiff_mount_opts_parse (opts, n, &o, &err) == 0)
    {
      /* Unknown options are passed to the filesystem, joined with ','. */
      if (o.data)
        FUZZ_CHECK (strlen (o.data) <= size, "data longer than the input: `%s`", o.data);
      FUZZ_CHECK (!o.recursive || o.bind, "rbind without bind");
      FUZZ_CHECK ((o.rec_set & o.rec_clr & ~(unsigned long long)MOUNT_ATTR__ATIME) == 0,
                  "attribute both set and cleared: %llx %llx", o.rec_set, o.rec_clr);
      skiff_mount_opts_free (&o);
    }
  else
    FUZZ_CHECK (err != NULL && o.data == NULL, "failure without error, or leaked data");
  skiff_error_clear (&err);

  for (size_t i = 0; i < n; i++)
    {
      unsigned long prop = 0;
      if (skiff_propagation_parse (opts[i], &prop, &err) == 0)
        FUZZ_CHECK (prop & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE), "`%s` -> %lx", opts[i], prop);
      skiff_error_clear (&err);
    }
  free (buf);
  return 0;
}
