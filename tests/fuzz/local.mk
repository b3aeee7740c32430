# libFuzzer targets (ASan + UBSan), outside `make check`:
#   make fuzz-build                 build every fuzzer into tests/fuzz/bin
#   make fuzz [FUZZ_SECONDS=30]     run each for FUZZ_SECONDS seconds
#   make fuzz FUZZ_JOBS=2           two targets at a time (CI)
#   make fuzz FUZZ_TARGETS="seccomp sync"
# The library sources are compiled again here with clang and the
# sanitizers (the normal build uses the configured CC without them), into
# tests/fuzz/libskiff-fuzz.a in the build dir. Corpora (seeded by
# make-seeds.sh), crash artifacts and logs also stay in the build dir.
# GNU make only (pattern rules, $(filter)), like the rest of the tree.

FUZZ_TARGETS = oci-spec oci-state oci-process oci-resources oci-features \
	seccomp mount-opts signal id sync
FUZZ_SECONDS = 30
FUZZ_MAX_LEN = 16384
FUZZ_RUN_FLAGS = -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1

FUZZ_CC = clang
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -std=gnu11 -fno-strict-aliasing
FUZZ_CPPFLAGS = -iquote $(abs_top_srcdir) -iquote $(abs_top_srcdir)/libocispec \
	-iquote $(abs_top_srcdir)/src/libskiff -include $(abs_top_builddir)/config.h \
	$(YAJL_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS) $(SYSTEMD_CFLAGS)
FUZZ_LIBS = $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(DLOPEN_LIBS)

# Everything libocispec.a and libskiff.a are made of, so new files are picked
# up; headers are prerequisites of every object (coarse but never stale).
fuzz_lib_all = $(libocispec_libocispec_a_SOURCES) $(src_libskiff_libskiff_a_SOURCES)
fuzz_lib_objs = $(patsubst %.c,tests/fuzz/obj/%.o,$(filter %.c,$(fuzz_lib_all)))
fuzz_lib = tests/fuzz/libskiff-fuzz.a
fuzz_bins = $(patsubst %,tests/fuzz/bin/fuzz-%,$(FUZZ_TARGETS))
fuzz_cc = $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS)
# Each fuzzer: its source + the instrumented library + system libs.
fuzz_link = $(fuzz_cc) -fsanitize=fuzzer $(FUZZ_SANITIZE) -iquote $(abs_top_srcdir)/tests/fuzz \
	-o $@ $< $(fuzz_lib) $(FUZZ_LIBS)

tests/fuzz/obj/%.o: %.c $(filter %.h,$(fuzz_lib_all)) config.h
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(fuzz_cc) -fsanitize=fuzzer-no-link $(FUZZ_SANITIZE) -c -o $@ $<

$(fuzz_lib): $(fuzz_lib_objs)
	$(AM_V_AR)rm -f $@ && $(AR) rcs $@ $(fuzz_lib_objs)

fuzz_deps = $(fuzz_lib) tests/fuzz/fuzz.h

tests/fuzz/bin/fuzz-oci-spec: tests/fuzz/fuzz-oci-spec.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)
tests/fuzz/bin/fuzz-oci-state: tests/fuzz/fuzz-oci-doc.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link) -DFUZZ_DOC_state
tests/fuzz/bin/fuzz-oci-process: tests/fuzz/fuzz-oci-doc.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link) -DFUZZ_DOC_process
tests/fuzz/bin/fuzz-oci-resources: tests/fuzz/fuzz-oci-doc.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link) -DFUZZ_DOC_resources
tests/fuzz/bin/fuzz-oci-features: tests/fuzz/fuzz-oci-doc.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link) -DFUZZ_DOC_features
tests/fuzz/bin/fuzz-seccomp: tests/fuzz/fuzz-seccomp.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)
tests/fuzz/bin/fuzz-mount-opts: tests/fuzz/fuzz-mount-opts.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)
tests/fuzz/bin/fuzz-signal: tests/fuzz/fuzz-signal.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)
tests/fuzz/bin/fuzz-id: tests/fuzz/fuzz-id.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)
tests/fuzz/bin/fuzz-sync: tests/fuzz/fuzz-sync.c $(fuzz_deps)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(fuzz_link)

fuzz-build: $(fuzz_bins)

# FUZZ_JOBS targets at a time; a crash stops that target only, the run
# fails at the end and the input is in tests/fuzz/artifacts/<target>/.
FUZZ_JOBS = 1
fuzz_one = t=$$1; mkdir -p artifacts/$$t; \
	if ./bin/fuzz-$$t $(FUZZ_RUN_FLAGS) -dict=corpus/skiff.dict \
	     -artifact_prefix=artifacts/$$t/ corpus/$$t >logs/$$t.log 2>&1; then \
	  echo "fuzz-$$t: $$(grep -E "^\#[0-9]+[[:space:]]+DONE" logs/$$t.log)"; \
	else \
	  echo "fuzz-$$t: FAILED (log: tests/fuzz/logs/$$t.log)"; tail -n 60 logs/$$t.log; exit 1; \
	fi

fuzz: fuzz-build
	@cd $(abs_top_builddir)/tests/fuzz && \
	sh $(abs_top_srcdir)/tests/fuzz/make-seeds.sh $(abs_top_srcdir) corpus $(FUZZ_TARGETS) && \
	mkdir -p logs && \
	echo "fuzz: each target $(FUZZ_SECONDS)s, $(FUZZ_JOBS) at a time (logs: tests/fuzz/logs/)" && \
	if printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '$(fuzz_one)' sh {}; then \
	  echo "fuzz: no crash, no leak"; \
	else \
	  echo "fuzz: FAILED"; exit 1; \
	fi

fuzz-clean:
	rm -rf tests/fuzz/obj tests/fuzz/bin tests/fuzz/logs tests/fuzz/artifacts $(fuzz_lib)
# The corpora are kept by `make clean` (they are worth keeping); this drops them.
fuzz-distclean: fuzz-clean
	rm -rf tests/fuzz/corpus

clean-local: fuzz-clean

EXTRA_DIST += \
	tests/fuzz/local.mk \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz-oci-spec.c \
	tests/fuzz/fuzz-oci-doc.c \
	tests/fuzz/fuzz-seccomp.c \
	tests/fuzz/fuzz-mount-opts.c \
	tests/fuzz/fuzz-signal.c \
	tests/fuzz/fuzz-id.c \
	tests/fuzz/fuzz-sync.c \
	tests/fuzz/make-seeds.sh \
	tests/fuzz/seeds

.PHONY: fuzz fuzz-build fuzz-clean fuzz-distclean
