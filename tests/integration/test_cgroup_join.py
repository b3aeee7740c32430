"""How processes get into the container's cgroup: the init is cloned into the
cgroup2 directory (CLONE_INTO_CGROUP) and joins every v1 hierarchy itself; an
exec'd process starts in it through its setns parent (test_exec.py compares
its /proc/self/cgroup with the init's). Checked from outside, in every
hierarchy the host has, the v1 ones and the unified one."""

import os

import pytest

from conftest import TOKEN

SLEEP = ["sleep", "1000"]


def hierarchies(pid):
    """{"ID:controllers": path} from /proc/PID/cgroup."""
    with open("/proc/%d/cgroup" % pid) as f:
        out = {}
        for line in f.read().splitlines():
            hid, ctrls, path = line.split(":", 2)
            out["%s:%s" % (hid, ctrls)] = path
        return out


def test_init_in_every_hierarchy(rt, ref, bundle):
    bundle.write(args=SLEEP)
    for r in (rt, ref):
        cid = r.new_id("join")
        res = r.run(cid, bundle.path, "-d")
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        try:
            hs = hierarchies(r.state_json(cid)["pid"])
            assert hs
            outside = {h: p for h, p in hs.items() if not p.endswith("/" + cid)}
            assert not outside, (r.name, outside)
        finally:
            r.delete(cid, force=True)


@pytest.mark.skiff_only("exec reports a vanished cgroup in one `skiff: ...` line")
def test_exec_into_removed_cgroup_fails_cleanly(rt, bundle):
    bundle.write(args=SLEEP)
    cid = rt.new_id("gone")
    res = rt.run(cid, bundle.path, "-d")
    assert res.returncode == 0, res.stderr
    try:
        pid = rt.state_json(cid)["pid"]
        pids = [p for h, p in hierarchies(pid).items() if h.endswith(":pids")]
        if not pids:
            pytest.skip("no v1 pids hierarchy on this host")
        # Move the init out so the container's pids cgroup can be removed.
        with open("/sys/fs/cgroup/pids/cgroup.procs", "w") as f:
            f.write(str(pid))
        os.rmdir("/sys/fs/cgroup/pids" + pids[0])
        res = rt.cmd("exec", cid, "true")
        assert res.returncode != 0
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("skiff: ") and "/pids/" in lines[0], res.stderr
    finally:
        rt.delete(cid, force=True)
