# cgroup manager: one interface, cgroupfs v1 / hybrid / v2 drivers.
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
	src/libskiff/cgroup/join.c
