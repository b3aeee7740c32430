"""Peer tests: real engines drive skiff; runc is the reference.

podman runs every case twice, once with ``--runtime`` pointing at runc and
once at the built skiff.  Both runtimes are reached through a small logging
wrapper (``<tmp>/wrap/<name>``, same basename as the real binary, because
podman keys behaviour such as ``--log-format=json`` on the runtime's name)
that appends each argv and exit code to ``<tmp>/runtime-<name>.log``; the log
is printed when a test fails, so the exact command line podman/conmon used is
in the report.

podman uses private storage (``--root``, ``--runroot``, ``--tmpdir`` under a
temp dir), ``--cgroup-manager cgroupfs`` (PID 1 is not systemd here) and
``--events-backend file``: the host's podman storage is never touched.  Every
container, image, mount and the temp dir are removed at the end of the session,
even on failure.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
ROOTFS_SCRIPT = os.path.join(SRCDIR, "tests", "rootfs", "make-busybox-rootfs.sh")

TOKEN = "skp" + uuid.uuid4().hex[:8]
IMAGE = "localhost/skiff-bb"
# podman's default rlimits exceed the hard limits of this host (TESTING.md).
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1000:1000"]
TIMEOUT = 60

WRAPPER = """#!/bin/sh
# Log every runtime invocation (argv + exit code) for the test report.
echo "$$ argv: $*" >> '{log}'
'{real}' "$@"
rc=$?
echo "$$ rc=$rc: $1 $2 ..." >> '{log}'
exit $rc
"""


def pytest_addoption(parser):
    for opt, default, what in (
        ("--skiff", os.environ.get("SKIFF", os.path.join(SRCDIR, "skiff")),
         "skiff binary under test"),
        ("--runc", "/usr/sbin/runc", "reference runtime"),
    ):
        try:
            parser.addoption(opt, default=default, help=what)
        except ValueError:
            pass  # already defined by another conftest (pytest tests/)


def _apt_install(*pkgs):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-q", *pkgs], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    return r.returncode == 0, r.stdout[-2000:]


def _ensure_tools():
    missing = [p for p, b in (("podman", "/usr/bin/podman"),
                              ("conmon", "/usr/bin/conmon"),
                              ("busybox-static", "/bin/busybox"),
                              ("netavark", "/usr/lib/podman/netavark"))
               if not os.path.exists(b)]
    if missing:
        ok, out = _apt_install(*missing)
        if not ok:
            pytest.skip("SKIPPED LOUDLY: cannot install %s:\n%s" % (missing, out))


def umount_under(path):
    """Lazily unmount everything below path (overlay layers, shm, netns)."""
    mnts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp == path or mp.startswith(path + "/"):
                mnts.append(mp)
    for mp in sorted(mnts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)


class Podman:
    """podman with private storage and a chosen OCI runtime."""

    def __init__(self, base, name, real):
        self.base = base
        self.name = name
        self.real = real
        self.log = os.path.join(base, "runtime-%s.log" % name)
        wrapdir = os.path.join(base, "wrap")
        os.makedirs(wrapdir, exist_ok=True)
        self.runtime = os.path.join(wrapdir, name)
        with open(self.runtime, "w") as f:
            f.write(WRAPPER.format(log=self.log, real=real))
        os.chmod(self.runtime, 0o755)
        self.counter = 0
        self.env = None   # extra environment for podman (one test)

    @property
    def is_skiff(self):
        return self.name == "skiff"

    def global_args(self):
        b = self.base
        return ["podman", "--root", b + "/storage", "--runroot", b + "/run",
                "--tmpdir", b + "/tmp", "--storage-driver", "overlay",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--runtime", self.runtime]

    def new_name(self, tag="c"):
        self.counter += 1
        return "%s-%s-%s%d" % (TOKEN, self.name, tag, self.counter)

    def __call__(self, *args, timeout=TIMEOUT, input=None, check=False):
        argv = self.global_args() + [str(a) for a in args]
        env = dict(os.environ, **self.env) if self.env else None
        r = subprocess.run(argv, input=input, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
        print("$ podman %s\n-> %d\n%s%s" % (
            " ".join(argv[len(self.global_args()):]), r.returncode,
            r.stdout[-3000:], r.stderr[-3000:]))
        if check:
            assert r.returncode == 0, "podman %s failed (%d): %s" % (
                " ".join(args), r.returncode, r.stderr)
        return r

    def run(self, *args, **kw):
        """podman run --rm <ulimits> --network none ARGS... (net overridable)."""
        extra = [] if any(str(a).startswith("--network") for a in args) \
            else ["--network", "none"]
        return self("run", "--rm", *ULIMITS, *extra, *args, **kw)

    def run_d(self, *args, cmd=("sleep", "600"), network="none"):
        """Start a detached container; return its name."""
        name = self.new_name("d")
        self("run", "-d", "--name", name, *ULIMITS, "--network", network,
             *args, IMAGE, *cmd, check=True)
        return name

    def inspect(self, name):
        r = self("inspect", "--type", "container", name, check=True)
        return json.loads(r.stdout)[0]

    def status(self, name):
        return self.inspect(name)["State"]["Status"]

    def wait_status(self, name, want, timeout=15):
        deadline = time.time() + timeout
        st = None
        while time.time() < deadline:
            st = self.status(name)
            if st == want:
                return st
            time.sleep(0.1)
        raise AssertionError("%s: status %s, want %s" % (name, st, want))

    def runtime_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def rm_all(self):
        self("rm", "-a", "-f", "-t", "0", timeout=120)


CGROUP_PARENT = "libpod_parent"   # podman's cgroupfs parent (created on demand)


def _cgroup_parents():
    root = "/sys/fs/cgroup"
    try:
        names = os.listdir(root)
    except OSError:
        return []
    return [os.path.join(root, n, CGROUP_PARENT) for n in names
            if os.path.isdir(os.path.join(root, n, CGROUP_PARENT))]


def _rmdir_cgroups(paths):
    """Best effort: remove podman's parent cgroups if we created them and no
    one (another podman user) is using them."""
    for p in paths:
        for sub in ("conmon", ""):
            try:
                os.rmdir(os.path.join(p, sub) if sub else p)
            except OSError:
                pass


@pytest.fixture(scope="session")
def peer_base(request):
    _ensure_tools()
    base = tempfile.mkdtemp(prefix="skiff-peers-%s-" % TOKEN)
    parents_before = set(_cgroup_parents())
    try:
        for d in ("tmp", "storage", "run"):
            os.makedirs(os.path.join(base, d))
        rootfs = os.path.join(base, "rootfs")
        subprocess.run([ROOTFS_SCRIPT, rootfs], check=True,
                       stdout=subprocess.DEVNULL)
        runcs = {"runc": request.config.getoption("--runc"),
                 "skiff": os.path.abspath(request.config.getoption("--skiff"))}
        pms = {n: Podman(base, n, p) for n, p in runcs.items()}
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."],
                               stdout=subprocess.PIPE)
        r = subprocess.run(pms["runc"].global_args() + ["import", "-", IMAGE],
                           stdin=tar.stdout, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        tar.wait()
        assert r.returncode == 0, "podman import: " + r.stdout
        yield base, pms
    finally:
        try:
            pm = Podman(base, "runc", request.config.getoption("--runc"))
            pm.rm_all()
            pm("rmi", "-a", "-f", timeout=120)
            pm("volume", "prune", "-f", timeout=120)
            # Not `system reset`: it would also drop the host's networks
            # (the network config dir is shared with the host).
        except Exception as e:  # keep cleaning up
            print("cleanup: %r" % e)
        logdir = os.environ.get("SKIFF_PEERS_LOGDIR")
        if logdir:  # keep the runtime invocation logs for a report
            os.makedirs(logdir, exist_ok=True)
            for n in ("runc", "skiff"):
                src = os.path.join(base, "runtime-%s.log" % n)
                if os.path.exists(src):
                    shutil.copy(src, logdir)
        umount_under(base)
        shutil.rmtree(base, ignore_errors=True)
        _rmdir_cgroups(set(_cgroup_parents()) - parents_before)


@pytest.fixture(params=["runc", "skiff"])
def pm(request, peer_base):
    base, pms = peer_base
    p = pms[request.param]
    if p.is_skiff and not os.access(p.real, os.X_OK):
        pytest.fail("skiff binary %s not found (--skiff)" % p.real)
    start = len(p.runtime_log())
    p.env = None
    yield p
    p.env = None
    # Remove this test's containers (all of them belong to this session).
    p.rm_all()
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print("---- %s invocations during this test ----\n%s" % (
            p.name, p.runtime_log()[start:][-8000:]))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
