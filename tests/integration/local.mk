# Integration tests (pytest, as root) run by `make check-integration`.
# Plain make rules: automake copies them into Makefile.in unchanged.

INTEGRATION_TESTS = \
	tests/integration/conftest.py \
	tests/integration/test_lifecycle.py \
	tests/integration/test_namespaces.py \
	tests/integration/test_rootfs.py \
	tests/integration/test_mounts.py \
	tests/integration/test_process.py \
	tests/integration/test_errors.py \
	tests/integration/test_cgroups.py \
	tests/integration/test_exec.py \
	tests/integration/test_ops.py \
	tests/integration/test_hooks.py \
	tests/integration/test_scheduling.py \
	tests/integration/test_notify.py \
	tests/integration/test_copyup.py \
	tests/integration/test_cgroup_join.py \
	tests/integration/test_cgroup_mount.py \
	tests/integration/test_seccomp.py \
	tests/integration/test_kill.py \
	tests/integration/test_devices.py \
	tests/integration/test_checkpoint.py \
	tests/integration/test_lsm.py \
	tests/integration/test_rootless.py \
	tests/integration/test_mounts_idmap.py \
	tests/integration/helpers/sd-notify.c \
	tests/integration/helpers/seccomp-probe.c

EXTRA_DIST += \
	$(INTEGRATION_TESTS) \
	tests/unit/check.h \
	tests/integration/local.mk \
	tests/rootfs/make-busybox-rootfs.sh \
	tests/rootfs/make-demo-bundle.sh

PYTEST = /usr/bin/python3 -m pytest
PYTEST_FLAGS = -v -p no:cacheprovider
SKIFF_DEMO_ID = skiff-demo

# Build a busybox bundle in ./demo and run it in the foreground.
demo: skiff$(EXEEXT)
	$(abs_top_srcdir)/tests/rootfs/make-demo-bundle.sh $(abs_top_builddir)/demo $(abs_top_builddir)/skiff$(EXEEXT)
	-@$(abs_top_builddir)/skiff$(EXEEXT) delete --force $(SKIFF_DEMO_ID) >/dev/null 2>&1
	cd $(abs_top_builddir)/demo && $(abs_top_builddir)/skiff$(EXEEXT) run $(SKIFF_DEMO_ID)

# Real containers, as root.  Pass extra pytest flags with PYTEST_ARGS=... .
check-integration: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 $(PYTEST) $(PYTEST_FLAGS) $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/integration --skiff=$(abs_top_builddir)/skiff$(EXEEXT)

# Unit, integration, security, security under ENOSYS; all run even if one
# fails, and the output ends with pytest's summary line (the last lane's).
check-all:
	@rc=0; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check-integration || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check-security || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check-security-enosys || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check-vm || rc=1; \
	$(MAKE) $(AM_MAKEFLAGS) --no-print-directory check-peers || rc=1; \
	exit $$rc

clean-local: clean-demo
clean-demo:
	rm -rf $(abs_top_builddir)/demo

.PHONY: demo check-integration check-all clean-demo
