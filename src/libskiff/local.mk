# libskiff: the runtime core (lifecycle, state store, container init).
noinst_LIBRARIES += src/libskiff/libskiff.a
src_libskiff_libskiff_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS) \
	$(SYSTEMD_CFLAGS)
src_libskiff_libskiff_a_SOURCES = \
	src/libskiff/skiff.h \
	src/libskiff/error.h \
	src/libskiff/error.c \
	src/libskiff/util.h \
	src/libskiff/util.c \
	src/libskiff/state.h \
	src/libskiff/state.c \
	src/libskiff/container.h \
	src/libskiff/container.c \
	src/libskiff/bundle.h \
	src/libskiff/bundle.c \
	src/libskiff/create.c \
	src/libskiff/run.c \
	src/libskiff/payload.h \
	src/libskiff/payload.c \
	src/libskiff/hooks.h \
	src/libskiff/hooks.c \
	src/libskiff/notify.h \
	src/libskiff/notify.c \
	src/libskiff/criu.h \
	src/libskiff/criu.c \
	src/libskiff/criu-argv.c \
	src/libskiff/ops.c \
	src/libskiff/pidns.c \
	src/libskiff/exec.c \
	src/libskiff/linux/namespaces.h \
	src/libskiff/linux/namespaces.c \
	src/libskiff/linux/idmap.h \
	src/libskiff/linux/idmap.c \
	src/libskiff/rootless.h \
	src/libskiff/rootless.c \
	src/libskiff/init.h \
	src/libskiff/init.c \
	src/libskiff/sync.h \
	src/libskiff/sync.c \
	src/libskiff/signals.c \
	src/libskiff/features.c

SKIFF_LIBS = src/libskiff/libskiff.a libocispec/libocispec.a \
	$(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(DLOPEN_LIBS)

include src/libskiff/linux/rootfs.mk
include src/libskiff/linux/process.mk
include src/libskiff/cgroup/local.mk
