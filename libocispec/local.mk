# libocispec: skiff's own OCI JSON model on yajl.
noinst_LIBRARIES += libocispec/libocispec.a
libocispec_libocispec_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
libocispec_libocispec_a_SOURCES = \
	libocispec/oci.h \
	libocispec/oci_types.h \
	libocispec/oci_json.h \
	libocispec/oci_json.c \
	libocispec/oci_json_gen.c \
	libocispec/oci_spec.c \
	libocispec/oci_state.c \
	libocispec/oci_features.c \
	libocispec/oci_validate.c \
	libocispec/oci_names.c \
	libocispec/oci_default.c
