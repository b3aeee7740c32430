# cgroup-v2 VM lane (`make check-vm`): skiff's cgroup code on a pure cgroup v2
# kernel (Debian's linux-image-amd64 under qemu TCG), see tests/vm/vmboot.py.
# Needs qemu-system-x86, linux-image-amd64 and busybox-static; skips loudly
# without them.  Include after tests/integration/local.mk (PYTEST*).

VM_TESTS = \
	tests/vm/conftest.py \
	tests/vm/test_vm.py \
	tests/vm/vmboot.py \
	tests/vm/init.sh \
	tests/vm/cgroup-tests.sh

EXTRA_DIST += \
	$(VM_TESTS) \
	tests/vm/local.mk

# Boots one VM (kernel + initramfs cached in /var/cache/skiff-vm); pass extra
# pytest flags with PYTEST_ARGS=..., keep the share with SKIFF_VM_KEEP=DIR.
check-vm: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 $(PYTEST) $(PYTEST_FLAGS) $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/vm --skiff=$(abs_top_builddir)/skiff$(EXEEXT)

.PHONY: check-vm
