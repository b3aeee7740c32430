"""cgroups as seen from the host: the container's cgroup, resources written to
the controller files, cgroupsPath, removal on delete (checked by no_leftovers)."""

import os

import pytest

from conftest import CGROUP_ROOT, TOKEN

SLEEP = ["sleep", "1000"]


def proc_cgroups(pid):
    """{controller: path} from /proc/PID/cgroup (v1 controllers and '' for v2)."""
    out = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                out[c] = path
    return out


def cg_file(pid, ctrl, name):
    path = proc_cgroups(pid)[ctrl]
    mnt = os.path.join(CGROUP_ROOT, ctrl if ctrl else "unified")
    if not os.path.isdir(mnt) and ctrl == "":
        mnt = CGROUP_ROOT
    with open(os.path.join(mnt + path, name)) as f:
        return f.read().strip()


def is_v1():
    return os.path.isdir(os.path.join(CGROUP_ROOT, "memory"))


def started(r, bundle):
    bundle.write(args=SLEEP)
    cid = r.new_id("cg")
    res = r.create(cid, bundle.path)
    assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
    return cid, r.state_json(cid)["pid"]


RESOURCES = {
    "memory": {"limit": 64 << 20, "reservation": 32 << 20},
    "pids": {"limit": 100},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000},
}

V1_FILES = [
    ("memory", "memory.limit_in_bytes"),
    ("memory", "memory.soft_limit_in_bytes"),
    ("pids", "pids.max"),
    ("cpu", "cpu.shares"),
    ("cpu", "cpu.cfs_quota_us"),
    ("cpu", "cpu.cfs_period_us"),
]


@pytest.mark.skipif(not is_v1(), reason="LOUD SKIP: v1 controller files only (this host is hybrid)")
def test_resources_written_like_runc(rt, ref, bundle):
    bundle.config["linux"]["resources"].update(RESOURCES)
    vals = {}
    for r in (rt, ref):
        cid, pid = started(r, bundle)
        try:
            vals[r.name] = {f: cg_file(pid, c, f) for c, f in V1_FILES}
            # the container's cgroup is its own, not the caller's
            assert proc_cgroups(pid)["memory"] != proc_cgroups(os.getpid())["memory"]
        finally:
            r.delete(cid, force=True)
    assert vals["rt"] == {
        "memory.limit_in_bytes": str(64 << 20),
        "memory.soft_limit_in_bytes": str(32 << 20),
        "pids.max": "100",
        "cpu.shares": "512",
        "cpu.cfs_quota_us": "50000",
        "cpu.cfs_period_us": "100000",
    }
    assert vals["rt"] == vals["ref"]


def test_default_cgroup_contains_id(rt, ref, bundle):
    paths = {}
    for r in (rt, ref):
        cid, pid = started(r, bundle)
        try:
            cgs = proc_cgroups(pid)
            assert any(cid in p for p in cgs.values()), cgs
            paths[r.name] = sorted(c for c, p in cgs.items() if cid in p)
        finally:
            r.delete(cid, force=True)
    # the same controllers get a per-container cgroup under both runtimes
    assert paths["rt"] == paths["ref"]


def test_cgroups_path(rt, ref, bundle):
    for r in (rt, ref):
        parent = "%s-%s-parent" % (TOKEN, r.name)
        bundle.config["linux"]["cgroupsPath"] = "/%s/leaf" % parent
        cid, pid = started(r, bundle)
        try:
            cgs = proc_cgroups(pid)
            for ctrl in ("memory", "pids", "cpu") if is_v1() else ("",):
                assert cgs[ctrl].endswith("/%s/leaf" % parent), (r.name, cgs)
        finally:
            r.delete(cid, force=True)
            # runtimes remove the leaf, not the parents they created
            for c in os.listdir(CGROUP_ROOT):
                for root, dirs, _ in os.walk(os.path.join(CGROUP_ROOT, c)):
                    if os.path.basename(root) == parent:
                        try:
                            os.rmdir(root)
                        except OSError:
                            pass


def test_pids_limit_enforced(rt, bundle):
    bundle.config["linux"]["resources"]["pids"] = {"limit": 5}
    # busybox sh gives up on the first failed fork
    r = rt.run_payload(bundle, ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo ALL-STARTED"])
    assert "ALL-STARTED" not in r.stdout
    assert "fork" in r.stderr, r.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(CGROUP_ROOT, "memory", "memory.memsw.limit_in_bytes")),
                    reason="LOUD SKIP: no swap accounting (memory.memsw.*) on this host")
def test_memory_limit_oom_kill_137(rt, bundle):
    bundle.config["linux"]["resources"]["memory"] = {"limit": 16 << 20, "swap": 16 << 20}
    # the payload allocates without bound; the OOM killer ends it with SIGKILL
    r = rt.run_payload(bundle, ["sh", "-c", "exec tail /dev/zero"], timeout=60)
    assert r.returncode == 137, r.stderr
