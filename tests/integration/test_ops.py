"""pause, resume, ps, update and events (src/libskiff/ops.c, cgroup/stats.c).

Every check looks at the cgroup files from outside the container; where runc
defines the output shape (ps -f json, events --stats) the test compares with
runc on the same bundle."""

import json
import os
import subprocess
import time

import pytest

from conftest import CGROUP_ROOT, parse_status, wait_until

SLEEP = ["sleep", "1000"]


def cgroup_dir(pid, controller):
    """The host directory of pid's cgroup for a v1 controller, or its v2 dir."""
    with open("/proc/%d/cgroup" % pid) as f:
        lines = [l.rstrip("\n").split(":", 2) for l in f]
    for _, ctrls, path in lines:
        if controller in ctrls.split(","):
            return os.path.join(CGROUP_ROOT, controller, path.lstrip("/"))
    for _, ctrls, path in lines:
        if ctrls == "":
            base = CGROUP_ROOT if os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")) \
                else os.path.join(CGROUP_ROOT, "unified")
            return os.path.join(base, path.lstrip("/"))
    raise AssertionError("no cgroup for %s in /proc/%d/cgroup" % (controller, pid))


def read(path):
    with open(path) as f:
        return f.read().strip()


def is_v2():
    return os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))


def proc_state(pid):
    with open("/proc/%d/status" % pid) as f:
        return parse_status(f.read())["State"]


def frozen(pid):
    if is_v2():
        return "frozen 1" in read(os.path.join(cgroup_dir(pid, ""), "cgroup.events"))
    return read(os.path.join(cgroup_dir(pid, "freezer"), "freezer.state")) == "FROZEN"


class Detached:
    """A container started with `run -d`, killed and deleted on exit."""

    def __init__(self, runtime, bundle, args=SLEEP, config=None):
        self.rt = runtime
        self.cid = runtime.new_id("ops")
        if config:
            config(bundle.config)
        bundle.write(args=args)
        r = runtime.run(self.cid, bundle.path, "-d")
        assert r.returncode == 0, r.stderr
        self.pid = runtime.state_json(self.cid)["pid"]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.rt.cmd("resume", self.cid)
        self.rt.kill(self.cid, "KILL")
        wait_until(lambda: self.rt.status(self.cid) in ("stopped", None))
        r = self.rt.delete(self.cid, force=True)
        assert r.returncode == 0, r.stderr


def test_pause_resume(rt, bundle):
    with Detached(rt, bundle) as c:
        r = rt.cmd("pause", c.cid)
        assert r.returncode == 0, r.stderr
        assert rt.status(c.cid) == "paused"
        assert frozen(c.pid)
        # A frozen task sleeps in the freezer: D on v1, S on v2.
        assert wait_until(lambda: proc_state(c.pid)[0] in "DS")
        r = rt.cmd("pause", c.cid)
        assert r.returncode == 1 and "not running" in r.stderr
        r = rt.cmd("resume", c.cid)
        assert r.returncode == 0, r.stderr
        assert rt.status(c.cid) == "running"
        assert not frozen(c.pid)
        r = rt.cmd("resume", c.cid)
        assert r.returncode == 1 and "not paused" in r.stderr


def test_pause_stopped_fails(rt, bundle):
    with Detached(rt, bundle, args=["true"]) as c:
        rt.wait_status(c.cid, "stopped")
        r = rt.cmd("pause", c.cid)
        assert r.returncode == 1 and "not running" in r.stderr
        r = rt.cmd("resume", c.cid)
        assert r.returncode == 1 and "not paused" in r.stderr
        r = rt.cmd("update", "--memory", "64m", c.cid)
        assert r.returncode == 1 and "not running" in r.stderr


def test_pause_missing_container(rt):
    r = rt.cmd("pause", rt.new_id("missing"))
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_delete_force_paused(rt, bundle):
    with Detached(rt, bundle) as c:
        assert rt.cmd("pause", c.cid).returncode == 0
        r = rt.delete(c.cid, force=True)
        assert r.returncode == 0, r.stderr
        assert rt.status(c.cid) is None


def memory_limit_file(pid):
    if is_v2():
        return os.path.join(cgroup_dir(pid, ""), "memory.max")
    return os.path.join(cgroup_dir(pid, "memory"), "memory.limit_in_bytes")


def test_update_flags(rt, bundle):
    with Detached(rt, bundle) as c:
        r = rt.cmd("update", "--memory", "64m", "--pids-limit", "50", "--cpu-period", "100000",
                   "--cpu-quota", "50000", "--cpu-share", "512", c.cid)
        assert r.returncode == 0, r.stderr
        assert read(memory_limit_file(c.pid)) == str(64 << 20)
        if is_v2():
            d = cgroup_dir(c.pid, "")
            assert read(os.path.join(d, "pids.max")) == "50"
            assert read(os.path.join(d, "cpu.max")) == "50000 100000"
        else:
            assert read(os.path.join(cgroup_dir(c.pid, "pids"), "pids.max")) == "50"
            cpu = cgroup_dir(c.pid, "cpu")
            assert read(os.path.join(cpu, "cpu.cfs_quota_us")) == "50000"
            assert read(os.path.join(cpu, "cpu.cfs_period_us")) == "100000"
            assert read(os.path.join(cpu, "cpu.shares")) == "512"
        # runc's size syntax (docker/go-units RAMInBytes)
        for value, want in (("1g", 1 << 30), ("128MiB", 128 << 20), ("96 MB", 96 << 20),
                            ("65536k", 64 << 20), (str(48 << 20), 48 << 20)):
            r = rt.cmd("update", "--memory", value, c.cid)
            assert r.returncode == 0, (value, r.stderr)
            assert read(memory_limit_file(c.pid)) == str(want), value


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_update_resources(rt, bundle, scratch, from_stdin):
    res = {"memory": {"limit": 32 << 20}, "pids": {"limit": 40}}
    with Detached(rt, bundle) as c:
        if from_stdin:
            # other flags are ignored with -r, as in runc
            r = rt.cmd("update", "-r", "-", "--pids-limit", "7", c.cid, input=json.dumps(res))
        else:
            path = os.path.join(scratch, "res.json")
            with open(path, "w") as f:
                json.dump(res, f)
            r = rt.cmd("update", "--resources", path, c.cid)
        assert r.returncode == 0, r.stderr
        assert read(memory_limit_file(c.pid)) == str(32 << 20)
        pids_dir = cgroup_dir(c.pid, "" if is_v2() else "pids")
        assert read(os.path.join(pids_dir, "pids.max")) == "40"
        if rt.is_skiff:
            # the stored config follows, so a later update/events sees it
            with open(os.path.join(rt.root, c.cid, "config.json")) as f:
                stored = json.load(f)["linux"]["resources"]
            assert stored["memory"]["limit"] == 32 << 20
            assert stored["pids"]["limit"] == 40


def test_update_bad_values(rt, bundle):
    with Detached(rt, bundle) as c:
        r = rt.cmd("update", "--memory", "12x", c.cid)
        assert r.returncode == 1 and "invalid" in r.stderr
        r = rt.cmd("update", "--cpu-quota", "abc", c.cid)
        assert r.returncode == 1 and "cpu-quota" in r.stderr
        r = rt.cmd("update", "--l3-cache-schema", "L3:0=f", c.cid)
        assert r.returncode == 1 and "Intel RDT" in r.stderr
        r = rt.cmd("update", "--kernel-memory", "1m", c.cid)
        assert r.returncode == 0, r.stderr
        assert "ernel memory" in r.stderr
        r = rt.cmd("update", "-r", "-", c.cid, input="{not json")
        assert r.returncode == 1


def test_ps_json(rt, bundle):
    with Detached(rt, bundle) as c:
        r = rt.cmd("ps", "-f", "json", c.cid)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == [c.pid]
        assert r.stdout == "[%d]\n" % c.pid


def test_ps_table(rt, bundle):
    with Detached(rt, bundle) as c:
        r = rt.cmd("ps", c.cid)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert "PID" in lines[0].split() and "CMD" in lines[0].split()
        assert len(lines) == 2, r.stdout
        assert lines[1].split()[1] == str(c.pid) and "sleep 1000" in lines[1]
        # ps arguments after the id go to ps(1)
        r = rt.cmd("ps", c.cid, "-o", "pid,comm")
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["PID", "COMMAND", str(c.pid), "sleep"]


def test_ps_stopped_is_empty(rt, bundle):
    with Detached(rt, bundle, args=["true"]) as c:
        rt.wait_status(c.cid, "stopped")
        r = rt.cmd("ps", "-f", "json", c.cid)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) in (None, [])


def stats(runtime, cid):
    r = runtime.cmd("events", "--stats", cid)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1
    return json.loads(r.stdout)


def test_events_stats_shape_like_runc(rt, ref, bundle, make_bundle):
    other = make_bundle()
    with Detached(rt, bundle) as a, Detached(ref, other) as b:
        mine, theirs = stats(rt, a.cid), stats(ref, b.cid)
        assert mine["type"] == "stats" and mine["id"] == a.cid
        assert set(mine) == set(theirs)
        assert set(mine["data"]) == set(theirs["data"])
        for section in ("cpu", "memory", "cpuset"):
            assert set(mine["data"][section]) == set(theirs["data"][section]), section
        assert set(mine["data"]["cpu"]["usage"]) == set(theirs["data"]["cpu"]["usage"])
        for entry in ("usage", "swap", "kernel", "kernelTCP"):
            m, t = mine["data"]["memory"].get(entry), theirs["data"]["memory"].get(entry)
            assert (m is None) == (t is None), entry
        assert set(mine["data"]["memory"].get("raw", {})) == set(theirs["data"]["memory"].get("raw", {}))
        assert mine["data"]["pids"]["current"] == 1


def test_events_stats_sees_update(rt, bundle):
    with Detached(rt, bundle) as c:
        assert rt.cmd("update", "--memory", "64m", "--pids-limit", "33", c.cid).returncode == 0
        data = stats(rt, c.cid)["data"]
        assert data["memory"]["usage"]["limit"] == 64 << 20
        assert data["pids"] == {"current": 1, "limit": 33}


def test_events_stopped_fails(rt, bundle):
    with Detached(rt, bundle, args=["true"]) as c:
        rt.wait_status(c.cid, "stopped")
        r = rt.cmd("events", "--stats", c.cid)
        assert r.returncode == 1 and "not running" in r.stderr


def wait_or_kill(p, timeout):
    """The exit status of p; killed (and the wait failing) if it overstays."""
    try:
        return p.wait(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.skiff_only("runc's event stream never ends by itself")
def test_events_stream_until_stop(rt, bundle):
    with Detached(rt, bundle) as c:
        p = rt.popen("events", "--interval", "200ms", c.cid)
        time.sleep(1.0)
        assert p.poll() is None, p.read_stderr()
        rt.kill(c.cid, "KILL")
        rc = wait_or_kill(p, 10)
        assert rc == 0, p.read_stderr()
        lines = [json.loads(l) for l in p.read_stdout().splitlines()]
        assert len(lines) >= 2
        assert all(l["type"] == "stats" and l["id"] == c.cid for l in lines)


@pytest.mark.skiff_only("runc's event stream never ends by itself")
def test_events_oom(rt, bundle):
    def limit(cfg):
        mem = {"limit": 16 << 20}
        memsw = "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"
        if os.path.exists(memsw) or is_v2():
            mem["swap"] = 16 << 20  # memory + swap: no swapping out of the OOM
        cfg["linux"]["resources"]["memory"] = mem
    with Detached(rt, bundle, args=["sh", "-c", "sleep 1; tail /dev/zero; sleep 2"],
                  config=limit) as c:
        p = rt.popen("events", "--interval", "10s", c.cid)
        rc = wait_or_kill(p, 30)
        assert rc == 0, p.read_stderr()
        lines = [json.loads(l) for l in p.read_stdout().splitlines()]
        assert {"type": "oom", "id": c.cid} in lines


def test_events_bad_interval(rt, bundle):
    with Detached(rt, bundle) as c:
        for bad in ("0s", "abc", "5"):
            r = rt.cmd("events", "--interval", bad, c.cid)
            assert r.returncode == 1, bad
