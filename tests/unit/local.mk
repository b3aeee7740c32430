# C unit tests of pure logic, run by `make check` under the automake harness.
unit_ldadd = $(SKIFF_LIBS)

# libocispec: parse/serialize/validate, linked against libocispec and yajl only.
oci_test_cppflags = $(AM_CPPFLAGS) $(YAJL_CFLAGS) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/unit/data"'
oci_test_ldadd = libocispec/libocispec.a $(YAJL_LIBS)

check_PROGRAMS += tests/unit/test-oci-parse tests/unit/test-oci-validate tests/unit/test-oci-state
TESTS += tests/unit/test-oci-parse tests/unit/test-oci-validate tests/unit/test-oci-state

tests_unit_test_oci_parse_SOURCES = tests/unit/test-oci-parse.c tests/unit/check.h
tests_unit_test_oci_parse_CPPFLAGS = $(oci_test_cppflags)
tests_unit_test_oci_parse_LDADD = $(oci_test_ldadd)

tests_unit_test_oci_validate_SOURCES = tests/unit/test-oci-validate.c tests/unit/check.h
tests_unit_test_oci_validate_CPPFLAGS = $(oci_test_cppflags)
tests_unit_test_oci_validate_LDADD = $(oci_test_ldadd)

tests_unit_test_oci_state_SOURCES = tests/unit/test-oci-state.c tests/unit/check.h
tests_unit_test_oci_state_CPPFLAGS = $(oci_test_cppflags)
tests_unit_test_oci_state_LDADD = $(oci_test_ldadd)

EXTRA_DIST += \
	tests/unit/data/runc-spec.json \
	tests/unit/data/runc-spec-rootless.json \
	tests/unit/data/full.json

check_PROGRAMS += tests/unit/test-signals
TESTS += tests/unit/test-signals
tests_unit_test_signals_SOURCES = tests/unit/test-signals.c
tests_unit_test_signals_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-cgroup-convert
TESTS += tests/unit/test-cgroup-convert
tests_unit_test_cgroup_convert_SOURCES = tests/unit/test-cgroup-convert.c
tests_unit_test_cgroup_convert_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-core
TESTS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-rootless
TESTS += tests/unit/test-rootless
tests_unit_test_rootless_SOURCES = tests/unit/test-rootless.c
tests_unit_test_rootless_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-criu
TESTS += tests/unit/test-criu
tests_unit_test_criu_SOURCES = tests/unit/test-criu.c
tests_unit_test_criu_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-lsm
TESTS += tests/unit/test-lsm
tests_unit_test_lsm_SOURCES = tests/unit/test-lsm.c
tests_unit_test_lsm_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/test-cgroup-systemd
TESTS += tests/unit/test-cgroup-systemd
tests_unit_test_cgroup_systemd_SOURCES = tests/unit/test-cgroup-systemd.c
tests_unit_test_cgroup_systemd_LDADD = $(unit_ldadd)
