# cgroup manager: one interface, cgroupfs v1 / hybrid / v2 drivers and the
# systemd driver on top of them.
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/cgroup/cgroup.h \
	src/libskiff/cgroup/cgroup.c \
	src/libskiff/cgroup/entry.c \
	src/libskiff/cgroup/internal.h \
	src/libskiff/cgroup/host.c \
	src/libskiff/cgroup/fs.c \
	src/libskiff/cgroup/v1.c \
	src/libskiff/cgroup/v2.c \
	src/libskiff/cgroup/resources.c \
	src/libskiff/cgroup/resources-v2.c \
	src/libskiff/cgroup/devices-v2.c \
	src/libskiff/cgroup/convert.h \
	src/libskiff/cgroup/convert.c \
	src/libskiff/cgroup/stats.c \
	src/libskiff/cgroup/join.h \
	src/libskiff/cgroup/join.c \
	src/libskiff/cgroup/systemd.h \
	src/libskiff/cgroup/systemd-names.c \
	src/libskiff/cgroup/systemd-props.c \
	src/libskiff/cgroup/systemd-driver.c

# The bus side needs sd-bus's headers (libsystemd-dev) to build; the library
# itself is dlopen'ed at run time, never linked.
if HAVE_SYSTEMD
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/cgroup/sdbus.h \
	src/libskiff/cgroup/sdbus.c \
	src/libskiff/cgroup/systemd.c
else
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/cgroup/systemd-missing.c
endif
