# C unit tests of pure logic, run by `make check` under the automake harness.
unit_ldadd = $(SKIFF_LIBS)
