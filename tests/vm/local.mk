# cgroup-v2 VM lane (`make check-vm`): skiff's cgroup code on a pure cgroup v2
# kernel (Debian's linux-image-amd64 under qemu TCG), see tests/vm/vmboot.py.
# Needs qemu-system-x86, linux-image-amd64 and busybox-static; skips loudly
# without them.  Include after tests/integration/local.mk (PYTEST*).

VM_TESTS = \
	tests/vm/conftest.py \
	tests/vm/test_vm.py \
	tests/vm/vmboot.py \
	tests/vm/init.sh \
	tests/vm/cgroup-tests.sh \
	tests/vm/debvm.py \
	tests/vm/debimage.py \
	tests/vm/debian-init.sh \
	tests/vm/debian-run.sh \
	tests/vm/skiff-vm-test.service

EXTRA_DIST += \
	$(VM_TESTS) \
	tests/vm/local.mk

# Boots one VM (kernel + initramfs cached in /var/cache/skiff-vm); pass extra
# pytest flags with PYTEST_ARGS=..., keep the share with SKIFF_VM_KEEP=DIR.
check-vm: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 $(PYTEST) $(PYTEST_FLAGS) $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/vm --skiff=$(abs_top_builddir)/skiff$(EXEEXT)

# Debian 12 VM with systemd as PID 1 on pure cgroup v2 (tests/vm/debvm.py):
# tests/integration/test_cgroups.py as on the host, once per cgroup driver.
# Needs debootstrap too; the image is built on first use (~75 s) and cached
# in /var/cache/skiff-vm/debian.  Other pytest runs: one per ';'-separated
# part of VM_PYTEST_ARGS (read by debvm.py from the environment, where make
# puts a command-line variable), paths relative to the source tree, e.g.
#   make check-vm-systemd VM_PYTEST_ARGS='tests/integration/test_cgroups.py -k pids'
# The share (console.log, journal.txt, logs) is kept with SKIFF_VM_KEEP=DIR.
check-vm-systemd: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 $(abs_top_srcdir)/tests/vm/debvm.py \
		--skiff=$(abs_top_builddir)/skiff$(EXEEXT)

.PHONY: check-vm check-vm-systemd
