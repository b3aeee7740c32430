"""cgroups as seen from the host: the container's cgroup, resources written to
the controller files, cgroupsPath, removal on delete (checked by no_leftovers),
device rule updates, and the systemd driver's units.

Driver-agnostic: a container's cgroup directory comes from /proc/<pid>/cgroup,
never from recomputing cgroupsPath, so this file runs unchanged on a v1/hybrid
host, on cgroup v2, and with ``--systemd-cgroup`` (both runtimes then use the
systemd driver; see conftest.py)."""

import ctypes
import json
import os
import platform
import struct
import subprocess

import pytest

from conftest import CGROUP_ROOT, TOKEN, wait_until

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


def is_v2():
    """Pure cgroup v2 (unified) at /sys/fs/cgroup."""
    return os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))


def is_v1():
    return os.path.isdir(os.path.join(CGROUP_ROOT, "memory"))


def cg_dir(pid, ctrl=""):
    """The directory of pid's cgroup for a v1 controller, or ('') the v2 one."""
    path = proc_cgroups(pid)[ctrl]
    if ctrl:
        mnt = os.path.join(CGROUP_ROOT, ctrl)
    else:
        mnt = CGROUP_ROOT if is_v2() else os.path.join(CGROUP_ROOT, "unified")
    return mnt + path


def cg_file(pid, ctrl, name):
    with open(os.path.join(cg_dir(pid, ctrl), name)) as f:
        return f.read().strip()


def started(r, bundle, args=SLEEP):
    bundle.write(args=args)
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
V1_VALUES = {
    "memory.limit_in_bytes": str(64 << 20),
    "memory.soft_limit_in_bytes": str(32 << 20),
    "pids.max": "100",
    "cpu.shares": "512",
    "cpu.cfs_quota_us": "50000",
    "cpu.cfs_period_us": "100000",
}
V2_FILES = [("", f) for f in ("memory.max", "memory.low", "pids.max", "cpu.weight", "cpu.max")]
V2_VALUES = {
    "memory.max": str(64 << 20),
    "memory.low": str(32 << 20),
    "pids.max": "100",
    "cpu.weight": "20",  # 1 + (512 - 2) * 9999 / 262142, runc's conversion
    "cpu.max": "50000 100000",
}


@pytest.mark.skipif(not is_v1() and not is_v2(), reason="LOUD SKIP: neither v1 controllers nor pure v2")
def test_resources_written_like_runc(rt, ref, bundle):
    bundle.config["linux"]["resources"].update(RESOURCES)
    files, want = (V1_FILES, V1_VALUES) if is_v1() else (V2_FILES, V2_VALUES)
    vals = {}
    for r in (rt, ref):
        cid, pid = started(r, bundle)
        try:
            vals[r.name] = {f: cg_file(pid, c, f) for c, f in files}
            # the container's cgroup is its own, not the caller's
            ctrl = "memory" if is_v1() else ""
            assert proc_cgroups(pid)[ctrl] != proc_cgroups(os.getpid())[ctrl]
        finally:
            r.delete(cid, force=True)
    assert vals["rt"] == want
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


def _remove_parents(parent):
    for c in os.listdir(CGROUP_ROOT):
        for root, _, _ in os.walk(os.path.join(CGROUP_ROOT, c)):
            if os.path.basename(root) == parent:
                try:
                    os.rmdir(root)
                except OSError:
                    pass


def test_cgroups_path(rt, ref, bundle):
    for r in (rt, ref):
        parent = "%s-%s-parent" % (TOKEN, r.name)
        bundle.config["linux"]["cgroupsPath"] = r.cgroups_path(parent)
        # cgroupfs: /<parent>/leaf; systemd: the scope <parent>-leaf.scope in system.slice
        want = "/system.slice/%s-leaf.scope" % parent if r.systemd else "/%s/leaf" % parent
        cid, pid = started(r, bundle)
        try:
            cgs = proc_cgroups(pid)
            for ctrl in ("memory", "pids", "cpu") if is_v1() else ("",):
                assert cgs[ctrl].endswith(want), (r.name, cgs)
        finally:
            r.delete(cid, force=True)
            # runtimes remove the leaf, not the parents they created
            if not r.systemd:
                _remove_parents(parent)


def test_pids_limit_enforced(rt, bundle):
    bundle.config["linux"]["resources"]["pids"] = {"limit": 5}
    # busybox sh gives up on the first failed fork
    r = rt.run_payload(bundle, ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo ALL-STARTED"])
    assert "ALL-STARTED" not in r.stdout
    assert "fork" in r.stderr, r.stderr


def _swap_accounting():
    if is_v2():  # memory.swap.max comes with the memory controller (CONFIG_MEMCG_SWAP)
        with open(os.path.join(CGROUP_ROOT, "cgroup.controllers")) as f:
            return "memory" in f.read().split()
    return os.path.exists(os.path.join(CGROUP_ROOT, "memory", "memory.memsw.limit_in_bytes"))


@pytest.mark.skipif(not _swap_accounting(), reason="LOUD SKIP: no swap accounting (memory.memsw.*) on this host")
def test_memory_limit_oom_kill_137(rt, bundle):
    bundle.config["linux"]["resources"]["memory"] = {"limit": 16 << 20, "swap": 16 << 20}
    # the payload allocates without bound; the OOM killer ends it with SIGKILL
    r = rt.run_payload(bundle, ["sh", "-c", "exec tail /dev/zero"], timeout=60)
    assert r.returncode == 137, r.stderr


# --- device rules changed by `update` (v1: devices.allow/deny; v2: the BPF
# program is replaced, so an allow can lift the create-time deny)

KMSG = {"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o666, "uid": 0, "gid": 0}
# O_WRONLY open of /dev/kmsg needs no capability (devkmsg_open), so EPERM
# can only come from the device cgroup; nothing is written.
OPEN_KMSG = ["sh", "-c", ": > /dev/kmsg && echo OPENED"]


def _exec(r, cid, args):
    return r.cmd("exec", cid, *args)


def _update_devices(r, cid, scratch, rules):
    path = os.path.join(scratch, "res.json")
    with open(path, "w") as f:
        json.dump({"devices": rules}, f)
    return r.cmd("update", "--resources", path, cid)


@pytest.mark.skiff_only("runc's update ignores linux.resources.devices")
def test_update_device_rules(rt, bundle, scratch, systemd_cgroup):
    if systemd_cgroup and not is_v2():
        pytest.skip("LOUD SKIP: device updates through systemd need cgroup v2 (refused on v1)")
    bundle.config["linux"]["devices"] = [KMSG]
    cid, pid = started(rt, bundle)
    try:
        assert rt.start(cid).returncode == 0
        # the syscall number below is x86_64's
        count = is_v2() and platform.machine() == "x86_64"
        progs = _device_progs(cg_dir(pid)) if count else None
        assert progs is None or progs >= 1
        r = _exec(rt, cid, OPEN_KMSG)
        assert "OPENED" not in r.stdout and "Operation not permitted" in r.stderr, (r.stdout, r.stderr)
        r = _update_devices(rt, cid, scratch, [{"allow": True, "type": "c", "major": 1, "minor": 11,
                                                "access": "rw"}])
        assert r.returncode == 0, r.stderr
        r = _exec(rt, cid, OPEN_KMSG)
        assert "OPENED" in r.stdout, r.stderr
        # the rules accumulate: a later deny wins over the earlier allow
        r = _update_devices(rt, cid, scratch, [{"allow": False, "type": "c", "major": 1, "minor": 11,
                                                "access": "w"}])
        assert r.returncode == 0, r.stderr
        r = _exec(rt, cid, OPEN_KMSG)
        assert "OPENED" not in r.stdout and "Operation not permitted" in r.stderr, (r.stdout, r.stderr)
        # the defaults still hold
        r = _exec(rt, cid, ["sh", "-c", "echo x > /dev/null && echo NULL-OK"])
        assert "NULL-OK" in r.stdout, r.stderr
        # replaced, not stacked: as many device programs as after create
        if count:
            assert _device_progs(cg_dir(pid)) == progs
    finally:
        rt.delete(cid, force=True)


def _device_progs(d):
    """Number of device programs attached directly to cgroup d: bpf(2)
    BPF_PROG_QUERY, attach type BPF_CGROUP_DEVICE (include/uapi/linux/bpf.h)."""
    libc = ctypes.CDLL(None, use_errno=True)
    ids = (ctypes.c_uint32 * 64)()
    # union bpf_attr.query: target_fd, attach_type, query_flags, attach_flags,
    # prog_ids (u64), prog_cnt; padded to the size of the union.
    attr = struct.pack("=IIIIQI", 0, 6, 0, 0, ctypes.addressof(ids), 64)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        buf = ctypes.create_string_buffer(struct.pack("=I", fd) + attr[4:], 128)
        if libc.syscall(321, 16, buf, 128) < 0:  # SYS_bpf (x86_64), BPF_PROG_QUERY
            raise OSError(ctypes.get_errno(), "BPF_PROG_QUERY on " + d)
        return struct.unpack_from("=I", buf.raw, 24)[0]
    finally:
        os.close(fd)


# --- the systemd driver


def systemctl_show(unit, *props):
    out = subprocess.run(["systemctl", "show", unit, *("-p" + p for p in props)],
                         capture_output=True, text=True).stdout
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def unit_of(r, cid):
    return ("skiff-%s.scope" if r.is_skiff else "runc-%s.scope") % cid


def test_systemd_unit_like_runc(rt, ref, bundle, systemd_cgroup):
    if not systemd_cgroup:
        pytest.skip("needs --systemd-cgroup (the systemd VM lane)")
    bundle.config["linux"]["resources"].update(RESOURCES)
    shown = {}
    for r in (rt, ref):
        cid, pid = started(r, bundle)
        unit = unit_of(r, cid)
        try:
            props = systemctl_show(unit, "ActiveState", "ControlGroup", "Slice", "Delegate", "MemoryMax",
                                   "MemoryLow", "TasksMax", "CPUWeight", "CPUQuotaPerSecUSec")
            assert props["ActiveState"] == "active", (r.name, props)
            assert props["ControlGroup"] == proc_cgroups(pid)[""], (r.name, props)
            assert props["ControlGroup"] == "/system.slice/" + unit
            shown[r.name] = {k: v for k, v in props.items() if k != "ControlGroup"}
        finally:
            assert r.delete(cid, force=True).returncode == 0
        # delete stops the unit: no unit, no cgroup
        assert wait_until(lambda: systemctl_show(unit, "LoadState").get("LoadState") == "not-found"), unit
        assert not os.path.exists(CGROUP_ROOT + "/system.slice/" + unit)
    assert shown["rt"]["MemoryMax"] == str(64 << 20)
    assert shown["rt"]["TasksMax"] == "100"
    assert shown["rt"]["Delegate"] == "yes"
    assert shown["rt"] == shown["ref"]


def test_systemd_update_pause_ps_kill(rt, bundle, systemd_cgroup):
    if not systemd_cgroup:
        pytest.skip("needs --systemd-cgroup (the systemd VM lane)")
    cid, pid = started(rt, bundle)
    unit = unit_of(rt, cid)
    try:
        assert rt.start(cid).returncode == 0
        r = rt.cmd("update", "--memory", str(48 << 20), "--pids-limit", "50", cid)
        assert r.returncode == 0, r.stderr
        props = systemctl_show(unit, "MemoryMax", "TasksMax")
        assert props == {"MemoryMax": str(48 << 20), "TasksMax": "50"}
        assert cg_file(pid, "", "memory.max") == str(48 << 20)
        assert rt.cmd("pause", cid).returncode == 0
        assert rt.status(cid) == "paused"
        assert cg_file(pid, "", "cgroup.freeze") == "1"
        assert rt.cmd("resume", cid).returncode == 0
        ps = rt.cmd("ps", "--format", "json", cid)
        assert ps.returncode == 0 and pid in json.loads(ps.stdout), ps.stderr
        ev = rt.cmd("events", "--stats", cid)
        assert ev.returncode == 0, ev.stderr
        stats = json.loads(ev.stdout)["data"]
        assert stats["pids"]["current"] >= 1 and stats["memory"]["usage"]["limit"] == 48 << 20, stats
        assert rt.kill(cid, "KILL", all=True).returncode == 0
        rt.wait_status(cid, "stopped")
    finally:
        # without the flag: the state says which driver made the container
        assert rt.delete(cid, force=True, systemd=False).returncode == 0
    assert wait_until(lambda: systemctl_show(unit, "LoadState").get("LoadState") == "not-found"), unit


def test_systemd_slice_unit(rt, bundle, systemd_cgroup):
    if not systemd_cgroup:
        pytest.skip("needs --systemd-cgroup (the systemd VM lane)")
    name = "system-%s.slice" % TOKEN
    bundle.config["linux"]["cgroupsPath"] = "system.slice::" + name
    cid, pid = started(rt, bundle)
    try:
        assert proc_cgroups(pid)[""] == "/system.slice/" + name
        assert systemctl_show(name, "ActiveState")["ActiveState"] == "active"
    finally:
        assert rt.delete(cid, force=True).returncode == 0
    assert not os.path.exists(CGROUP_ROOT + "/system.slice/" + name)


@pytest.mark.skiff_only("the error text is skiff's")
def test_systemd_driver_without_systemd(rt, bundle, workdir):
    if os.path.isdir("/run/systemd/system"):
        pytest.skip("systemd runs here; this checks the error where it does not")
    cgroups_before = sorted(os.listdir(os.path.join(CGROUP_ROOT, "memory" if is_v1() else "")))
    bundle.write(args=SLEEP)
    cid = rt.new_id("nosd")
    r = rt.create(cid, bundle.path, systemd=True)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skiff: systemd cgroup driver: ") \
        and "not running" in lines[0], r.stderr
    # nothing was created: no state, no cgroup (no fallback to cgroupfs)
    assert rt.ids() == []
    assert sorted(os.listdir(os.path.join(CGROUP_ROOT, "memory" if is_v1() else ""))) == cgroups_before
    assert rt.state(cid).returncode != 0
