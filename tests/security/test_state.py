"""SECURITY.md items 22-28: ids, concurrency, crashes, state files, PID reuse."""

import json
import os
import random
import signal
import threading
import time

import pytest

import skiff_it_conftest as it
from seclib import Sleeper, created, ok, refused, running, skiff_exec, snapshot, wait_until


# -- 22 ---------------------------------------------------------------------

HOSTILE = ["../x", "a/b", "", "a" * 4096, ".", "..", "/abs", "x/../../y", "a\nb", ".hidden"]


@pytest.mark.parametrize("cid", HOSTILE, ids=["dotdot", "slash", "empty", "4k", "dot",
                                               "dotdot-only", "abs", "nested", "newline",
                                               "leading-dot"])
def test_22_hostile_ids_refused(rt, bundle, cid):
    """22: hostile ids refused by every command; nothing created outside --root."""
    parent = os.path.dirname(rt.root)
    snap_parent = sorted(os.listdir(parent))
    snap_root = snapshot(rt.root)
    for args in (("create", "--bundle", bundle.path, cid), ("run", "--bundle", bundle.path, cid),
                 ("start", cid), ("state", cid), ("kill", cid, "KILL"),
                 ("delete", "--force", cid), ("exec", cid, "true")):
        r = rt.cmd(*args)
        refused(r)
    assert sorted(os.listdir(parent)) == snap_parent
    assert snapshot(rt.root) == snap_root


# -- 23 ---------------------------------------------------------------------

def test_23_parallel_create_same_id(rt, bundle):
    """23: 50 parallel creates of one id: exactly one wins, the rest say
    "already exists"."""
    bundle.write(args=["sleep", "30"])
    cid = rt.new_id("par")
    procs = [rt.popen("create", "--bundle", bundle.path, cid) for _ in range(50)]
    try:
        rcs = [p.wait(timeout=60) for p in procs]
        errs = [p.read_stderr() for p in procs]
        winners = [i for i, rc in enumerate(rcs) if rc == 0]
        assert len(winners) == 1, "winners: %d %s" % (len(winners), set(errs))
        for i, (rc, e) in enumerate(zip(rcs, errs)):
            if i in winners:
                continue
            assert rc > 0 and "already exists" in e, (rc, e)
        assert rt.status(cid) == "created"
    finally:
        rt.delete(cid, force=True)


# -- 24 ---------------------------------------------------------------------

def _zombies_of(pid):
    n = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == pid:
            n += 1
    return n


def test_24_churn(rt, make_bundle):
    """24: create/start/exec/kill/delete/list churn from several threads for
    SKIFF_CHURN_SECONDS (default 20; SECURITY.md asks 600 in CI-nightly):
    no crash; mount, cgroup, fd and zombie counts stable."""
    seconds = float(os.environ.get("SKIFF_CHURN_SECONDS", "20"))
    bundles = [make_bundle() for _ in range(3)]
    for b in bundles:
        b.write(args=["sleep", "60"])
    mounts0 = len(it._mountinfo())
    fds0 = len(os.listdir("/proc/self/fd"))
    crashes, errors = [], []
    stop = time.time() + seconds

    def check(r, what):
        if r.returncode < 0 or r.returncode >= 128 or "sanitizer" in r.stderr.lower():
            crashes.append("%s: rc %d %s" % (what, r.returncode, r.stderr[-300:]))
        elif r.returncode != 0:
            errors.append("%s: %s" % (what, r.stderr.strip()))

    def worker(b, n):
        i = 0
        while time.time() < stop:
            i += 1
            cid = "%s-churn%d-%d" % (it.TOKEN, n, i)
            check(rt.create(cid, b.path), "create")
            check(rt.start(cid), "start")
            check(rt.cmd("exec", cid, "true"), "exec")
            check(rt.list(), "list")
            check(rt.kill(cid, "KILL"), "kill")
            check(rt.delete(cid, force=True), "delete")

    threads = [threading.Thread(target=worker, args=(b, n)) for n, b in enumerate(bundles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not crashes, crashes[:5]
    assert not errors, errors[:5]
    assert rt.ids() == []
    assert not it._token_cgroups()
    assert wait_until(lambda: len(it._mountinfo()) <= mounts0 + 2, 5), "mountinfo grew"
    assert len(os.listdir("/proc/self/fd")) == fds0
    assert wait_until(lambda: _zombies_of(os.getpid()) == 0, 5)


# -- 25 ---------------------------------------------------------------------

def test_25_sigkill_during_create(rt, bundle):
    """25: SIGKILL the runtime at random points of create (20 runs): delete
    --force cleans up fully and the id can be reused."""
    bundle.write(args=["sleep", "30"])
    rng = random.Random(25)
    cid = rt.new_id("k")
    for i in range(20):
        p = rt.popen("create", "--bundle", bundle.path, cid)
        time.sleep(rng.uniform(0, 0.08))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        r = rt.delete(cid, force=True)
        assert r.returncode == 0 or "does not exist" in r.stderr, (i, r.stderr)
        assert rt.ids() == [], (i, rt.ids())
        assert wait_until(lambda: not it._token_processes(), 5), \
            "run %d: processes left after delete --force: %s" % (
                i, [it._cmdline(x) for x in it._token_processes()])
        assert not it._token_cgroups(), (i, it._token_cgroups())
    ok(rt.create(cid, bundle.path), "reuse of the id")
    assert rt.status(cid) == "created"
    ok(rt.delete(cid, force=True))


# -- 26 ---------------------------------------------------------------------

def test_26_caller_dies_user_process_does_not_start(rt, bundle, scratch):
    """26: the caller goes away while init waits on the exec fifo: the user
    process never starts by itself; state stays consistent; a killed `start`
    leaves a consistent state too."""
    marker = os.path.join(scratch, "started")
    bundle.add_mount("/host", "bind", scratch, ["rbind"])
    bundle.write(args=["sh", "-c", "touch /host/started; exec sleep 30"])
    cid = rt.new_id("fifo")
    p = rt.popen("create", "--bundle", bundle.path, cid)
    assert p.wait(timeout=30) == 0, p.read_stderr()
    del p  # the caller is gone
    try:
        time.sleep(1.0)
        assert not os.path.exists(marker), "the user process started without `start`"
        assert rt.status(cid) == "created"
        pid = rt.state_json(cid)["pid"]
        assert os.path.exists("/proc/%d" % pid)
        # `start` killed at once: either still created, or running for real.
        s = rt.popen("start", cid)
        s.send_signal(signal.SIGKILL)
        s.wait()
        st = rt.status(cid)
        assert st in ("created", "running"), st
        if st == "created":
            time.sleep(0.5)
            assert not os.path.exists(marker)
            ok(rt.start(cid))
        assert wait_until(lambda: os.path.exists(marker), 5)
        assert rt.status(cid) == "running"
    finally:
        rt.delete(cid, force=True)


# -- 27 ---------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "init-garbage"])
def test_27_corrupt_state(rt, bundle, damage):
    """27: corrupt or truncated state.json -> clear error; delete --force still
    works and kills the init."""
    cid = running(rt, bundle, ["sleep", "30"])
    pid = rt.state_json(cid)["pid"]
    d = os.path.join(rt.root, cid)
    path = os.path.join(d, "state.json")
    with open(path) as f:
        good = f.read()
    with open(os.path.join(d, "init")) as f:
        init_good = f.read()
    if damage == "garbage":
        data = "{not json \x00\xff"
    elif damage == "truncated":
        data = good[:len(good) // 2]
    elif damage == "empty":
        data = ""
    else:
        path = os.path.join(d, "init")
        data = "garbage\n"
    with open(path, "w") as f:
        f.write(data)
    try:
        r = rt.state(cid)
        refused(r, cid)
        assert "corrupt" in r.stderr.lower() or "parse" in r.stderr.lower(), r.stderr
        r = rt.kill(cid, "KILL")
        refused(r)
    finally:
        r = rt.delete(cid, force=True)
        if r.returncode != 0:
            # Clean up by hand so only the real failure is reported.
            for name, content in (("state.json", good), ("init", init_good)):
                with open(os.path.join(d, name), "w") as f:
                    f.write(content)
            rt.delete(cid, force=True)
    assert r.returncode == 0, "delete --force on a corrupt state: %s" % r.stderr
    assert not os.path.exists(d)
    assert wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                      open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z", 5), \
        "delete --force left the container init alive"


def test_27_state_writes_atomic(rt, bundle):
    """27: readers never see a partial state.json while it is rewritten
    (start, kill, state); no temp files are left."""
    cid = created(rt, bundle, ["sleep", "30"])
    d = os.path.join(rt.root, cid)
    bad = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with open(os.path.join(d, "state.json")) as f:
                    data = f.read()
                json.loads(data)
            except FileNotFoundError:
                pass
            except ValueError as e:
                bad.append(repr(e))

    ts = [threading.Thread(target=reader) for _ in range(2)]
    for t in ts:
        t.start()
    try:
        ok(rt.start(cid))
        for _ in range(20):
            ok(rt.state(cid))
        ok(rt.kill(cid, "KILL"))
        rt.wait_status(cid, "stopped")
        for _ in range(10):
            ok(rt.state(cid))
    finally:
        stop.set()
        for t in ts:
            t.join()
        left = sorted(os.listdir(d)) if os.path.isdir(d) else []
        rt.delete(cid, force=True)
    assert not bad, bad[:3]
    assert all(n in ("config.json", "exec.fifo", "init", "state.json") for n in left), left


# -- 28 ---------------------------------------------------------------------

def test_28_pid_reuse_never_signals_stranger(rt, bundle):
    """28: the init died and its pid now belongs to a stranger (simulated by
    writing the stranger's pid with a wrong start time): kill fails, the
    stranger survives, state says stopped, delete --force spares it."""
    cid = running(rt, bundle, ["sleep", "30"])
    d = os.path.join(rt.root, cid)
    stranger = Sleeper()
    try:
        ok(rt.kill(cid, "KILL"))
        rt.wait_status(cid, "stopped")
        with open(os.path.join(d, "init")) as f:
            first, rest = f.read().split("\n", 1)
        start = int(first.split()[1])
        with open(os.path.join(d, "init"), "w") as f:
            f.write("%d %d\n%s" % (stranger.pid, start + 12345, rest))
        with open(os.path.join(d, "state.json")) as f:
            st = json.load(f)
        st["pid"] = stranger.pid
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump(st, f)
        assert rt.status(cid) == "stopped"
        r = rt.kill(cid, "KILL")
        refused(r)
        time.sleep(0.2)
        assert stranger.alive(), "skiff kill signalled a stranger"
        rt.kill(cid, "KILL", all=True)
        time.sleep(0.2)
        assert stranger.alive(), "skiff kill --all signalled a stranger"
        ok(rt.delete(cid, force=True))
        time.sleep(0.2)
        assert stranger.alive(), "skiff delete --force signalled a stranger"
    finally:
        rt.delete(cid, force=True)
        stranger.close()
