# make bench: skiff vs crun vs runc on the same bundle (see bench/bench.py).
bench: skiff
	$(abs_top_srcdir)/bench/run-bench.sh $(abs_top_builddir)/skiff

.PHONY: bench
EXTRA_DIST += bench/bench.py bench/run-bench.sh bench/podman-run.sh

# make bench-podman: podman run --rm with skiff vs runc as the runtime.
bench-podman: skiff
	$(abs_top_srcdir)/bench/podman-run.sh $(abs_top_builddir)/skiff

.PHONY: bench-podman
