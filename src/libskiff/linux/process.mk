# Process setup: credentials, capabilities, rlimits, cwd, exec, terminal, seccomp.
src_libskiff_libskiff_a_SOURCES += \
	src/libskiff/linux/process.h \
	src/libskiff/linux/process.c \
	src/libskiff/linux/caps.c \
	src/libskiff/linux/keyring.c \
	src/libskiff/linux/sysctl.c \
	src/libskiff/linux/terminal.h \
	src/libskiff/linux/terminal.c \
	src/libskiff/linux/seccomp.h \
	src/libskiff/linux/seccomp.c \
	src/libskiff/linux/seccomp_cache.c \
	src/libskiff/linux/seccomp_enosys.c \
	src/libskiff/linux/seccomp_notify.c \
	src/libskiff/linux/scheduling.h \
	src/libskiff/linux/scheduling.c \
	src/libskiff/linux/sealed_exec.h \
	src/libskiff/linux/sealed_exec.c \
	src/libskiff/linux/lsm.h \
	src/libskiff/linux/lsm.c \
	src/libskiff/linux/lsm_dl.c
