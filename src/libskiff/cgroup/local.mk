# cgroup manager: one interface, cgroupfs v1 / hybrid / v2 drivers.
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/cgroup/cgroup.h \
	src/libskiff/cgroup/cgroup.c \
	src/libskiff/cgroup/v1.c \
	src/libskiff/cgroup/v2.c \
	src/libskiff/cgroup/resources.c
