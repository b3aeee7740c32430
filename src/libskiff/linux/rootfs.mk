# Root filesystem: safe path resolution, mounts, devices, pivot_root, masking.
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/linux/rootfs.h \
	src/libskiff/linux/rootfs.c \
	src/libskiff/linux/safe_path.h \
	src/libskiff/linux/mount_api.h \
	src/libskiff/linux/safe_path.c \
	src/libskiff/linux/mounts.h \
	src/libskiff/linux/mounts.c \
	src/libskiff/linux/devices.h \
	src/libskiff/linux/devices.c \
	src/libskiff/linux/masked.c
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/linux/mounts_cgroup.c \
	src/libskiff/linux/mounts_idmap.c \
	src/libskiff/linux/masked.h \
	src/libskiff/linux/copyup.c
