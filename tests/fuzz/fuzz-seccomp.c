/* linux.seccomp -> classic BPF through skiff_seccomp_compile(): everything
 * the runtime does with a profile short of installing the filter. Every
 * compiled program must be a non-empty, bounded instruction array. */
#include "fuzz.h"

#include <linux/filter.h>

#include "error.h"
#include "linux/seccomp.h"
#include "oci.h"

static int
run (const oci_seccomp *seccomp, skiff_error **err)
{
  skiff_seccomp_prog prog;
  if (skiff_seccomp_compile (seccomp, &prog, err) < 0)
    {
      FUZZ_CHECK (prog.insns == NULL && prog.len == 0, "failed compile returned a program");
      return -1;
    }
  FUZZ_CHECK (prog.insns != NULL && prog.len > 0 && prog.len <= BPF_MAXINSNS, "bad program (%u insns)",
              (unsigned) prog.len);
  skiff_seccomp_prog_free (&prog);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  oci_spec *spec = NULL;
  char *errmsg = NULL;
  skiff_error *err = NULL;

  if (oci_spec_parse ((const char *)data, size, &spec, &errmsg) < 0)
    {
      free (errmsg);
      return 0;
    }
  /* The runtime validates before it builds: fuzz what it would really see.
   * Half the inputs skip validation so the builder's own checks get hit. */
  if (size && (data[size - 1] & 1) && oci_spec_validate (spec, &errmsg) < 0)
    {
      free (errmsg);
      oci_spec_free (spec);
      return 0;
    }
  if (spec->linux_ && spec->linux_->seccomp)
    {
      if (run (spec->linux_->seccomp, &err) < 0)
        FUZZ_CHECK (err != NULL && err->msg != NULL, "failure without an error message");
      skiff_error_clear (&err);
    }
  oci_spec_free (spec);
  return 0;
}
