/* Signal names and numbers (kill, --signal). Accepted values are real
 * signals, and a signal's canonical name parses back to it. */
#include "fuzz.h"

#include <signal.h>

#include "skiff.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = fuzz_strndup (data, size);
  int signo = skiff_signal_parse (s);
  FUZZ_CHECK (signo == -1 || (signo >= 1 && signo <= SIGRTMAX), "`%s` -> %d", s, signo);
  if (signo > 0)
    {
      const char *name = skiff_signal_name (signo);
      if (name)
        FUZZ_CHECK (skiff_signal_parse (name) == signo, "`%s` -> %d -> `%s` -> %d", s, signo, name,
                    skiff_signal_parse (name));
    }
  /* Also the reverse direction for an arbitrary int. */
  if (size >= sizeof (int))
    {
      int v;
      memcpy (&v, data, sizeof v);
      const char *name = skiff_signal_name (v);
      if (name)
        FUZZ_CHECK (skiff_signal_parse (name) == v, "%d -> `%s` -> %d", v, name, skiff_signal_parse (name));
    }
  free (s);
  return 0;
}
