# Security suite (SECURITY.md's attack matrix), as root.  Included from
# Makefile.am; plain make rules.
#   make check-security          the suite against ./skiff
#   make check-security-enosys   the same with openat2, the new mount API,
#                                close_range and clone3 forced to ENOSYS
#                                (matrix item 29)
# Extra pytest flags: PYTEST_ARGS=...; longer churn: SKIFF_CHURN_SECONDS=600.

SECURITY_TESTS = \
	tests/security/conftest.py \
	tests/security/seclib.py \
	tests/security/test_exe_fds.py \
	tests/security/test_proc_dev.py \
	tests/security/test_mount_targets.py \
	tests/security/test_creds.py \
	tests/security/test_state.py \
	tests/security/enosys.c \
	tests/security/ptrace_attach.c

EXTRA_DIST += $(SECURITY_TESTS) tests/security/local.mk

# The wrapper is a test tool, not installed: built with the host compiler,
# no libraries (raw BPF).
tests/security/enosys$(EXEEXT): $(srcdir)/tests/security/enosys.c
	@$(MKDIR_P) tests/security
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(srcdir)/tests/security/enosys.c

skiff-enosys: tests/security/enosys$(EXEEXT)
	@printf '#!/bin/sh\nexec %s %s "$$@"\n' \
		'$(abs_top_builddir)/tests/security/enosys$(EXEEXT)' \
		'$(abs_top_builddir)/skiff$(EXEEXT)' > $@.tmp
	@chmod 755 $@.tmp && mv $@.tmp $@

check-security: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 $(PYTEST) $(PYTEST_FLAGS) $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/security --skiff=$(abs_top_builddir)/skiff$(EXEEXT)

check-security-enosys: skiff$(EXEEXT) skiff-enosys
	PYTHONDONTWRITEBYTECODE=1 $(PYTEST) $(PYTEST_FLAGS) $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/security --skiff=$(abs_top_builddir)/skiff-enosys

clean-local: clean-security
clean-security:
	rm -f tests/security/enosys$(EXEEXT) skiff-enosys skiff-enosys.tmp

.PHONY: check-security check-security-enosys clean-security
