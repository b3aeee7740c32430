/* linux.seccomp -> classic BPF through skiff_seccomp_compile(): everything
 * the runtime does with a profile short of installing the filter. Every
 * compiled program must be a non-empty, bounded instruction array whose
 * jumps (skiff's ENOSYS prefix in front of libseccomp's program) all land
 * inside it and whose last instruction returns; a listener flag only with
 * a profile that passes skiff_seccomp_check. */
#include "fuzz.h"

#include <linux/filter.h>

#include "error.h"
#include "linux/seccomp.h"
#include "oci.h"

static void
check_jumps (const skiff_seccomp_prog *prog)
{
  size_t n = prog->len;
  for (size_t i = 0; i < n; i++)
    {
      const struct sock_filter *f = &prog->insns[i];
      if (BPF_CLASS (f->code) != BPF_JMP)
        continue;
      if (BPF_OP (f->code) == BPF_JA)
        FUZZ_CHECK ((uint64_t)i + 1 + f->k < n, "ja at %zu leaves the program (k %u, len %zu)", i, f->k, n);
      else
        FUZZ_CHECK (i + 1 + f->jt < n && i + 1 + f->jf < n, "jump at %zu leaves the program (%u/%u, len %zu)", i,
                    f->jt, f->jf, n);
    }
  FUZZ_CHECK (BPF_CLASS (prog->insns[n - 1].code) == BPF_RET, "the program does not end in a return");
}

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
  check_jumps (&prog);
  FUZZ_CHECK (skiff_seccomp_check (seccomp, NULL) == 0, "compiled a profile the check refuses");
  if (skiff_seccomp_prog_has_listener (&prog))
    FUZZ_CHECK (seccomp->listener_path && *seccomp->listener_path, "a listener without listenerPath");
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
