# Peer tests: podman drives the built skiff (and runc, the reference), as
# root.  `make check-peers`; extra pytest flags with PYTEST_ARGS=... .
# Needs the Debian packages podman, conmon, netavark, aardvark-dns,
# containernetworking-plugins, runc, busybox-static (installed if missing).

PEERS_TESTS = \
	tests/peers/conftest.py \
	tests/peers/test_podman.py \
	tests/peers/test_containerd.py \
	tests/peers/containerd_support.py \
	tests/peers/cri/__init__.py \
	tests/peers/cri/client.py

EXTRA_DIST += \
	$(PEERS_TESTS) \
	tests/peers/local.mk

check-peers: skiff$(EXEEXT)
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -v -p no:cacheprovider $(PYTEST_ARGS) \
		$(abs_top_srcdir)/tests/peers --skiff=$(abs_top_builddir)/skiff$(EXEEXT)

.PHONY: check-peers
