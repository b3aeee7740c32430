"""Options for the cgroup-v2 VM lane (`make check-vm`)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))


def pytest_addoption(parser):
    try:
        parser.addoption(
            "--skiff", default=os.environ.get("SKIFF") or os.path.join(SRCDIR, "skiff"),
            help="runtime binary under test (default: $SKIFF or ./skiff at the top of the tree)")
    except ValueError:
        pass  # tests/integration/conftest.py defines it too when both run together


def pytest_terminal_summary(terminalreporter):
    # test_vm.py fills vmboot.WALL (not a conftest global: two conftest
    # modules share that name when tests/integration runs in the same session)
    import vmboot  # pylint: disable=import-outside-toplevel
    if vmboot.WALL:
        terminalreporter.write_line(
            "cgroup-v2 VM: kernel %(kver)s, prepare %(prepare).1f s, qemu start to results "
            "%(boot).1f s (qemu rc %(rc)s)" % vmboot.WALL)
