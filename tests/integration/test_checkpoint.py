"""checkpoint and restore through criu (src/libskiff/criu.c).

Debian's criu 3.17 fails `criu check` on this host's kernel (vdso), so the
end-to-end round trip only runs where criu works; everywhere the error paths
are checked: criu's own reason reaches the user, a failed checkpoint leaves
the container running and untouched, a failed restore leaves no state."""

import os
import shutil
import subprocess

import pytest

from conftest import wait_until

SLEEP = ["sleep", "1000"]


def criu_binary():
    for p in (shutil.which("criu"), "/usr/sbin/criu", "/sbin/criu"):
        if p and os.access(p, os.X_OK):
            return p
    return None


@pytest.fixture(scope="module")
def criu():
    """The criu binary, installed if missing; a loud skip if that fails."""
    if criu_binary() is None:
        r = subprocess.run(["apt-get", "install", "-y", "criu"], capture_output=True, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if criu_binary() is None:
            pytest.skip("LOUD SKIP: criu missing and `apt-get install -y criu` failed: %s"
                        % (r.stderr.strip().splitlines() or ["?"])[-1])
    return criu_binary()


@pytest.fixture(scope="module")
def criu_works(criu):
    return subprocess.run([criu, "check"], capture_output=True).returncode == 0


def proc_start(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[19]


class Detached:
    """A container started with `run -d`, killed and deleted on exit."""

    def __init__(self, rt, bundle, args=SLEEP):
        self.rt = rt
        self.cid = rt.new_id("cr")
        bundle.write(args=args)
        r = rt.run(self.cid, bundle.path, "-d")
        assert r.returncode == 0, r.stderr
        self.pid = rt.state_json(self.cid)["pid"]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.rt.kill(self.cid, "KILL")
        wait_until(lambda: self.rt.status(self.cid) in ("stopped", None))
        self.rt.delete(self.cid, force=True)


def test_version_criu_tag(rt, criu, criu_works):
    r = rt.cmd("--version")
    assert r.returncode == 0, r.stderr
    tags = r.stdout.strip().splitlines()[-1].split()
    assert ("+CRIU" if criu_works else "-CRIU") in tags, r.stdout


def test_checkpoint_unusable_criu_leaves_container(rt, bundle, scratch, criu, criu_works):
    if criu_works:
        pytest.skip("criu check passes here: the failure path is not reachable")
    images = os.path.join(scratch, "images")
    with Detached(rt, bundle) as c:
        before = rt.state_json(c.cid)
        start = proc_start(c.pid)
        r = rt.cmd("checkpoint", "--image-path", images, c.cid)
        assert r.returncode == 1
        assert "criu check failed on this host: Error (criu/" in r.stderr, r.stderr
        assert r.stderr.startswith("skiff: checkpoint: "), r.stderr
        after = rt.state_json(c.cid)
        assert after == before
        assert after["status"] == "running"
        assert proc_start(c.pid) == start
        # criu check runs before anything is written.
        assert not os.path.exists(images)
        r = rt.cmd("checkpoint", "--leave-running", "--image-path", images, c.cid)
        assert r.returncode == 1 and "criu check failed" in r.stderr
        assert rt.status(c.cid) == "running"


def test_checkpoint_not_running(rt, bundle, scratch, criu):
    images = os.path.join(scratch, "images")
    cid = rt.new_id("created")
    bundle.write(args=SLEEP)
    r = rt.create(cid, bundle.path)
    assert r.returncode == 0, r.stderr
    try:
        r = rt.cmd("checkpoint", "--image-path", images, cid)
        assert r.returncode == 1
        assert "container `%s` is not running" % cid in r.stderr, r.stderr
        assert rt.status(cid) == "created"
    finally:
        rt.delete(cid, force=True)
    with Detached(rt, bundle, args=["true"]) as c:
        rt.wait_status(c.cid, "stopped")
        r = rt.cmd("checkpoint", "--image-path", images, c.cid)
        assert r.returncode == 1
        assert "container `%s` is not running" % c.cid in r.stderr, r.stderr
        assert rt.status(c.cid) == "stopped"
    r = rt.cmd("checkpoint", "--image-path", images, rt.new_id("missing"))
    assert r.returncode == 1 and "does not exist" in r.stderr
    assert not os.path.exists(images)


def test_checkpoint_bad_flags(rt, bundle, scratch, criu):
    images = os.path.join(scratch, "images")
    with Detached(rt, bundle) as c:
        for flags, want in ((["--manage-cgroups-mode", "bogus"], "--manage-cgroups-mode `bogus`"),
                            (["--empty-ns", "pid"], "only `network`"),
                            (["--status-fd", "x"], "invalid --status-fd")):
            r = rt.cmd("checkpoint", "--image-path", images, *flags, c.cid)
            assert r.returncode == 1 and want in r.stderr, (flags, r.stderr)
        assert rt.status(c.cid) == "running"


def test_restore_empty_image_dir(rt, bundle, scratch, criu):
    cid = rt.new_id("restore")
    r = rt.cmd("restore", "-d", "-b", bundle.path, "--image-path", scratch, cid)
    assert r.returncode == 1
    assert "no checkpoint in `%s`" % scratch in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rt.root, cid))
    assert rt.status(cid) is None
    r = rt.cmd("restore", "-d", "-b", bundle.path, "--image-path",
               os.path.join(scratch, "nonexistent"), cid)
    assert r.returncode == 1 and "nonexistent" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rt.root, cid))


def test_restore_unusable_criu_leaves_nothing(rt, bundle, scratch, criu, criu_works):
    if criu_works:
        pytest.skip("criu check passes here: the failure path is not reachable")
    cid = rt.new_id("restore")
    open(os.path.join(scratch, "inventory.img"), "w").close()
    r = rt.cmd("restore", "-d", "-b", bundle.path, "--image-path", scratch, cid)
    assert r.returncode == 1
    assert "restore: criu check failed on this host: Error (criu/" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rt.root, cid))
    assert rt.status(cid) is None


FAKE_CRIU = r"""#!/bin/sh
# A stand-in for criu(8): logs its argv, then acts per $FAKE_CRIU_MODE.
echo "$*" >> "$FAKE_CRIU_LOG"
cmd=$1; shift
while [ $# -gt 0 ]; do
  case $1 in
    --work-dir) work=$2; shift ;;
    --images-dir) images=$2; shift ;;
    --pidfile) pidfile=$2; shift ;;
    --log-file) log=$2; shift ;;
    --tree) tree=$2; shift ;;
  esac
  shift
done
case "$cmd:$FAKE_CRIU_MODE" in
  check:*) echo "Looks good."; exit 0 ;;
  *:fail) printf '(00.000001) Info\n(00.000002) Error (criu/fake.c:1): fake: cannot do it\n' > "$work/$log"
          exit 1 ;;
  dump:ok) touch "$images/inventory.img"; kill -9 "$tree"; exit 0 ;;
  restore:ok) sleep 1000 </dev/null >/dev/null 2>&1 &
              echo $! > "$pidfile"; exit 0 ;;
esac
exit 2
"""


@pytest.fixture
def fake_criu(scratch):
    """PATH, log file and env for a fake criu: the paths around criu (its
    argv, error reporting, destroy after dump, the restored record) are then
    testable on a host where the real one cannot run."""
    d = os.path.join(scratch, "fakebin")
    os.makedirs(d)
    path = os.path.join(d, "criu")
    with open(path, "w") as f:
        f.write(FAKE_CRIU)
    os.chmod(path, 0o755)
    log = os.path.join(scratch, "criu-argv.log")

    def env(mode):
        return {"PATH": d + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                "FAKE_CRIU_LOG": log, "FAKE_CRIU_MODE": mode}

    def calls():
        with open(log) as f:
            return [l.split() for l in f.read().splitlines()]

    return env, calls


def test_fake_criu_dump_failure_reports_criu_reason(rt, bundle, scratch, fake_criu):
    env, calls = fake_criu
    images = os.path.join(scratch, "images")
    with Detached(rt, bundle) as c:
        before = rt.state_json(c.cid)
        r = rt.cmd("checkpoint", "--image-path", images, "--tcp-established", c.cid, env=env("fail"))
        assert r.returncode == 1
        assert r.stderr.startswith("skiff: checkpoint: criu dump failed: "
                                   "Error (criu/fake.c:1): fake: cannot do it"), r.stderr
        assert rt.state_json(c.cid) == before
        check, dump = calls()
        assert check == ["check"]
        assert dump[:3] == ["dump", "--tree", str(c.pid)]
        assert "--tcp-established" in dump and "--leave-running" not in dump
        assert dump[dump.index("--images-dir") + 1] == images
        assert dump[dump.index("--root") + 1] == before["rootfs"]


def test_fake_criu_dump_destroys_and_restore_records(rt, bundle, scratch, fake_criu):
    env, calls = fake_criu
    images = os.path.join(scratch, "images")
    with Detached(rt, bundle) as c:
        bundle_path = rt.state_json(c.cid)["bundle"]
        r = rt.cmd("checkpoint", "--image-path", images, c.cid, env=env("ok"))
        assert r.returncode == 0, r.stderr
        # runc destroys a checkpointed container unless --leave-running.
        assert rt.status(c.cid) is None
        assert not os.path.exists(os.path.join(rt.root, c.cid))
        assert wait_until(lambda: not os.path.exists("/proc/%d" % c.pid))
        with open(os.path.join(images, "skiff-descriptors")) as f:
            desc = f.read()
        assert "fd 0 " in desc
        pidfile = os.path.join(scratch, "pid")
        r = rt.cmd("restore", "-d", "-b", bundle_path, "--image-path", images,
                   "--pid-file", pidfile, c.cid, env=env("ok"))
        assert r.returncode == 0, r.stderr
        st = rt.state_json(c.cid)
        assert st["status"] == "running" and st["pid"] > 0
        with open(pidfile) as f:
            assert int(f.read()) == st["pid"]
        restore = calls()[-1]
        assert restore[:3] == ["restore", "--restore-detached", "--restore-sibling"]
        assert restore[restore.index("--root") + 1] == os.path.join(rt.root, c.cid, "criu-root")
        assert "--cgroup-root" in restore
        # The temporary root mount is gone once criu is done.
        assert not os.path.exists(os.path.join(rt.root, c.cid, "criu-root"))
        # The restored init sits in the container's cgroup: kill --all reaches it.
        r = rt.kill(c.cid, "KILL", all=True)
        assert r.returncode == 0, r.stderr
        rt.wait_status(c.cid, "stopped")


def test_fake_criu_restore_failure_leaves_nothing(rt, bundle, scratch, fake_criu):
    env, _ = fake_criu
    cid = rt.new_id("restore")
    open(os.path.join(scratch, "inventory.img"), "w").close()
    r = rt.cmd("restore", "-d", "-b", bundle.path, "--image-path", scratch, cid, env=env("fail"))
    assert r.returncode == 1
    assert "restore: criu restore failed: Error (criu/fake.c:1): fake: cannot do it" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rt.root, cid))
    assert rt.status(cid) is None


def test_checkpoint_restore_round_trip(rt, bundle, scratch, criu, criu_works):
    if not criu_works:
        pytest.skip("LOUD SKIP: `criu check` fails on this host: checkpoint cannot run")
    images = os.path.join(scratch, "images")
    bundle.config["process"]["args"] = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done"]
    bundle.config["root"]["readonly"] = False
    bundle.write()
    cid = rt.new_id("rt")
    r = rt.run(cid, bundle.path, "-d")
    assert r.returncode == 0, r.stderr
    try:
        r = rt.cmd("checkpoint", "--image-path", images, cid)
        assert r.returncode == 0, r.stderr
        assert rt.status(cid) is None
        assert os.path.exists(os.path.join(images, "inventory.img"))
        r = rt.cmd("restore", "-d", "-b", bundle.path, "--image-path", images, cid)
        assert r.returncode == 0, r.stderr
        st = rt.state_json(cid)
        assert st["status"] == "running" and st["pid"] > 0
    finally:
        rt.kill(cid, "KILL")
        wait_until(lambda: rt.status(cid) in ("stopped", None))
        rt.delete(cid, force=True)
