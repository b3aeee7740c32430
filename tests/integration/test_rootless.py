"""Rootless containers: an unprivileged user runs a `spec --rootless` bundle.

Each test runs skiff (``urt``) and runc (``uref``) as the same throw-away
user (``rootless_user``: useradd plus /etc/subuid and /etc/subgid ranges),
each with its default state root under a private $XDG_RUNTIME_DIR, and
compares what they do with the same bundle. The user owns its bundle (a
rootless container's root is the user, and it creates mount points).
"""

import json
import os
import stat
import subprocess
import tempfile

import pytest

from conftest import TOKEN, UserRuntime, parse_status, wait_until


@pytest.fixture
def urt(skiff_path, workdir, rootless_user):
    xdg = tempfile.mkdtemp(prefix="xdg-skiff-", dir=workdir)
    return UserRuntime(skiff_path, xdg, rootless_user, name="urt")


@pytest.fixture
def uref(runc_path, workdir, rootless_user):
    xdg = tempfile.mkdtemp(prefix="xdg-runc-", dir=workdir)
    return UserRuntime(runc_path, xdg, rootless_user, name="uref")


def rootless_spec(r, d):
    """`spec --rootless` as the user, in directory d."""
    res = r.spec(d, "--rootless")
    assert res.returncode == 0, res.stderr
    with open(os.path.join(d, "config.json")) as f:
        return json.load(f)


@pytest.fixture
def rbundle(make_bundle, scratch, urt, rootless_user):
    """A bundle whose config is skiff's `spec --rootless` made by the user,
    with terminal off; the bundle belongs to the user."""
    d = os.path.join(scratch, "spec")
    os.makedirs(d)
    os.chown(d, rootless_user.uid, rootless_user.gid)
    cfg = rootless_spec(urt, d)
    cfg["process"]["terminal"] = False
    b = make_bundle(cfg)
    subprocess.run(["chown", "-R", "%d:%d" % (rootless_user.uid, rootless_user.gid), b.path], check=True)
    return b


def sub_maps(user, what):
    """Container 0 -> the user's own id, 1..65536 -> its subordinate range."""
    own = user.uid if what == "uid" else user.gid
    return [{"containerID": 0, "hostID": own, "size": 1},
            {"containerID": 1, "hostID": user.sub_start, "size": user.SUB_SIZE}]


def map_lines(text):
    return [l.split() for l in text.strip().splitlines()]


def test_spec_rootless_as_user_matches_runc(urt, uref, scratch, rootless_user):
    da, db = os.path.join(scratch, "a"), os.path.join(scratch, "b")
    for d in (da, db):
        os.makedirs(d)
        os.chown(d, rootless_user.uid, rootless_user.gid)
    a, b = rootless_spec(urt, da), rootless_spec(uref, db)
    for k in ("hostname", "ociVersion"):
        a.pop(k), b.pop(k)
    assert a == b
    own = [{"containerID": 0, "hostID": rootless_user.uid, "size": 1}]
    assert a["linux"]["uidMappings"] == own


def lifecycle(r, bundle, user):
    """create/start/state/list/exec/ps/kill/delete as the user; what each
    step showed, for comparing skiff with runc."""
    bundle.write(args=["sleep", "600"])
    cid = r.new_id("life")
    out = {}
    res = r.create(cid, bundle.path)
    assert res.returncode == 0, res.stderr
    st = r.state_json(cid)
    out["created"] = (st["status"], st["owner"])
    pid = st["pid"]
    with open("/proc/%d/status" % pid) as f:
        status = parse_status(f.read())
    out["host_uid"] = int(status["Uid"].split()[0])
    assert r.start(cid).returncode == 0
    r.wait_status(cid, "running")
    res = r.cmd("list", "--format", "json")
    assert res.returncode == 0, res.stderr
    out["list"] = [(c["id"], c["status"], c["owner"]) for c in json.loads(res.stdout)]
    res = r.cmd("exec", cid, "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    out["exec_uid"] = lines[0]
    out["maps"] = [l.split() for l in lines[1:]]
    out["ps"] = r.cmd("ps", "--format", "json", cid)
    out["init_pid"] = pid
    assert r.kill(cid, "KILL").returncode == 0
    r.wait_status(cid, "stopped")
    res = r.delete(cid)
    assert res.returncode == 0, res.stderr
    assert r.status(cid) is None
    return out


def test_lifecycle_single_mapping(urt, uref, rbundle, rootless_user):
    a = lifecycle(urt, rbundle, rootless_user)
    b = lifecycle(uref, rbundle, rootless_user)
    u = rootless_user
    assert a["created"] == ("created", "") == b["created"]
    assert a["host_uid"] == u.uid == b["host_uid"]
    assert a["exec_uid"] == "0" == b["exec_uid"]
    assert a["maps"] == [["0", str(u.uid), "1"], ["0", str(u.gid), "1"]] == b["maps"]
    assert [(s, o) for _, s, o in a["list"]] == [("running", u.name)]
    assert [(s, o) for _, s, o in b["list"]] == [("running", u.name)]
    # runc 1.1 cannot list the processes without a cgroup; skiff finds them
    # by the container's pid namespace.
    assert b["ps"].returncode != 0
    assert a["ps"].returncode == 0, a["ps"].stderr
    assert a["init_pid"] in json.loads(a["ps"].stdout)
    # the state roots are $XDG_RUNTIME_DIR/<runtime>, 0700 plus sticky bit, the user's
    for r in (urt, uref):
        st = os.stat(r.root)
        assert st.st_uid == u.uid
        assert stat.S_IMODE(st.st_mode) == 0o1700


def test_setgroups_denied_with_single_mapping(urt, uref, rbundle):
    args = ["cat", "/proc/self/setgroups"]
    a, b = urt.run_payload(rbundle, args), uref.run_payload(rbundle, args)
    assert a.returncode == 0 == b.returncode, a.stderr + b.stderr
    assert a.stdout.strip() == "deny" == b.stdout.strip()


def test_subuid_mapping_via_newuidmap(urt, uref, rbundle, rootless_user):
    u = rootless_user
    rbundle.config["linux"]["uidMappings"] = sub_maps(u, "uid")
    rbundle.config["linux"]["gidMappings"] = sub_maps(u, "gid")
    rbundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/setgroups; sleep 600"]
    outs = []
    for r in (urt, uref):
        rbundle.write(args=args)
        cid = r.new_id("sub")
        res = r.run(cid, rbundle.path, "--detach")
        assert res.returncode == 0, res.stderr
        pid = r.state_json(cid)["pid"]
        with open("/proc/%d/status" % pid) as f:
            st = parse_status(f.read())
        # container uid 1000 is host uid sub_start + 999
        assert int(st["Uid"].split()[0]) == u.sub_start + 999
        assert int(st["Gid"].split()[0]) == u.sub_start + 999
        assert r.kill(cid, "KILL").returncode == 0
        r.wait_status(cid, "stopped")
        assert r.delete(cid).returncode == 0
    for r in (urt, uref):
        rbundle.write(args=["sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/setgroups"])
        res = r.run(r.new_id("subfg"), rbundle.path)
        assert res.returncode == 0, res.stderr
        outs.append(res.stdout.split("\n", 1))
    a, b = outs
    assert a[0] == "1000" == b[0]
    assert map_lines(a[1]) == map_lines(b[1])
    assert map_lines(a[1])[:2] == [["0", str(u.uid), "1"], ["1", str(u.sub_start), str(u.SUB_SIZE)]]
    assert map_lines(a[1])[2] == ["allow"]


def test_mapping_outside_subuid_fails(urt, uref, rbundle, rootless_user):
    u = rootless_user
    bad = [{"containerID": 0, "hostID": u.uid, "size": 1},
           {"containerID": 1, "hostID": u.sub_start + u.SUB_SIZE, "size": 10}]
    rbundle.config["linux"]["uidMappings"] = bad
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("bad"), rbundle.path)
    b = uref.run(uref.new_id("bad"), rbundle.path)
    assert a.returncode != 0 and b.returncode != 0
    assert "not allowed" in b.stderr
    lines = a.stderr.strip().splitlines()
    assert len(lines) == 1, a.stderr
    assert lines[0].startswith("skiff: write uid mappings: newuidmap ")
    assert "not allowed" in lines[0]
    assert urt.ids() == []


@pytest.mark.parametrize("resources,ctrl", [
    ({"memory": {"limit": 100 * 1024 * 1024}}, "memory"),
    ({"pids": {"limit": 100}}, "pids"),
    ({"cpu": {"shares": 512}}, "cpu"),
])
def test_limits_without_writable_cgroup_fail(urt, uref, rbundle, resources, ctrl):
    rbundle.config["linux"]["resources"] = resources
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("lim"), rbundle.path)
    b = uref.run(uref.new_id("lim"), rbundle.path)
    want = "cannot set %s limit: container could not join or create cgroup" % ctrl
    assert b.returncode != 0 and want in b.stderr
    assert a.returncode == 1
    assert a.stderr.startswith("skiff: " + want), a.stderr
    assert len(a.stderr.strip().splitlines()) == 1


def test_devices_rules_and_no_resources_skip_cgroup(urt, uref, rbundle):
    """Device rules are not a limit that needs a cgroup (runc ignores them
    rootless): the container runs, in the user's own cgroup."""
    rbundle.config["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    args = ["sh", "-c", "cat /proc/self/cgroup; echo ok > /dev/null && echo devnull-ok"]
    a, b = urt.run_payload(rbundle, args), uref.run_payload(rbundle, args)
    assert a.returncode == 0 == b.returncode, a.stderr + b.stderr
    assert "devnull-ok" in a.stdout and "devnull-ok" in b.stdout
    assert a.stdout == b.stdout


def test_named_cgroup_not_writable_fails(urt, uref, rbundle):
    rbundle.config["linux"]["cgroupsPath"] = "/%s-named/c" % os.path.basename(rbundle.path)
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("cgp"), rbundle.path)
    b = uref.run(uref.new_id("cgp"), rbundle.path)
    assert b.returncode != 0 and "permission denied" in b.stderr
    assert a.returncode == 1
    assert a.stderr.startswith("skiff: cgroup `") and "Permission denied" in a.stderr, a.stderr


def test_needs_user_namespace(urt, uref, rbundle):
    rbundle.remove_ns("user")
    rbundle.config["linux"].pop("uidMappings")
    rbundle.config["linux"].pop("gidMappings")
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("nouserns"), rbundle.path)
    b = uref.run(uref.new_id("nouserns"), rbundle.path)
    assert b.returncode != 0 and "requires user namespaces" in b.stderr
    assert a.returncode == 1
    assert a.stderr.strip() == "skiff: linux.namespaces: a rootless container needs a user namespace"


def test_unmapped_mount_gid_refused(urt, rbundle):
    """devpts gid=5 (as in the root spec) with only the user's gid mapped."""
    for m in rbundle.config["mounts"]:
        if m["destination"] == "/dev/pts":
            m["options"].append("gid=5")
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("gid5"), rbundle.path)
    assert a.returncode == 1
    assert "option gid=5 names an id the container's user namespace does not map" in a.stderr


def test_idmapped_mount_refused(urt, rbundle, scratch):
    rbundle.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": scratch,
                                     "options": ["bind", "idmap"]})
    rbundle.write(args=["true"])
    a = urt.run(urt.new_id("idmap"), rbundle.path)
    assert a.returncode == 1
    assert "idmapped mounts need CAP_SYS_ADMIN in the host user namespace" in a.stderr


def test_no_xdg_runtime_dir(urt, uref, rbundle):
    """Without $XDG_RUNTIME_DIR both fall back to the root's default, which
    the user may not write: a clear error, nothing created."""
    rbundle.write(args=["true"])
    env = {"XDG_RUNTIME_DIR": ""}
    a = urt.run(urt.new_id("noxdg"), rbundle.path, env=env)
    b = uref.run(uref.new_id("noxdg"), rbundle.path, env=env)
    assert b.returncode != 0 and "permission denied" in b.stderr
    assert a.returncode == 1
    assert a.stderr.startswith("skiff: ") and "/run/skiff" in a.stderr and "Permission denied" in a.stderr


def test_pause_without_cgroup_fails_clearly(urt, rbundle):
    rbundle.write(args=["sleep", "600"])
    cid = urt.new_id("pause")
    assert urt.run(cid, rbundle.path, "--detach").returncode == 0
    try:
        r = urt.cmd("pause", cid)
        assert r.returncode == 1
        assert r.stderr.strip() == "skiff: container `%s` has no cgroup (rootless, without a cgroup it may write)" % cid
        assert urt.status(cid) == "running"
        # kill --all reaches every process of the pid namespace
        assert urt.cmd("exec", "--detach", cid, "sleep", "601").returncode == 0
        assert wait_until(lambda: len(json.loads(urt.cmd("ps", "-f", "json", cid).stdout or "null") or []) == 2)
        assert urt.kill(cid, "KILL", all=True).returncode == 0
        urt.wait_status(cid, "stopped")
    finally:
        urt.delete(cid, force=True)


@pytest.fixture
def delegated_cgroup(rootless_user, scratch):
    """A cgroup handed to the user in every hierarchy (chowned, as a
    delegating manager does); removed afterwards."""
    name = "%s-deleg-%s" % (TOKEN, os.path.basename(scratch))
    made = []
    for c in sorted(os.listdir("/sys/fs/cgroup")):
        top = os.path.join("/sys/fs/cgroup", c)
        if os.path.islink(top) or not os.path.isdir(top):
            continue
        d = os.path.join(top, name)
        os.mkdir(d)
        made.append(d)
        subprocess.run(["chown", "-R", "%d:%d" % (rootless_user.uid, rootless_user.gid), d], check=True)
    yield "/" + name
    for d in made:
        for sub, dirs, _ in sorted(os.walk(d, topdown=False), key=lambda x: -len(x[0])):
            try:
                os.rmdir(sub)
            except OSError:
                pass


def test_delegated_cgroup_gets_limits(urt, uref, rbundle, delegated_cgroup):
    """With a cgroup the user may write, limits apply as runc applies them;
    the device rules of the config are left alone (only host root may)."""
    rbundle.config["linux"]["cgroupsPath"] = delegated_cgroup + "/c"
    rbundle.config["linux"]["resources"] = {"pids": {"limit": 77},
                                           "devices": [{"allow": False, "access": "rwm"}]}
    args = ["sh", "-c", "grep pids: /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max"]
    a, b = urt.run_payload(rbundle, args), uref.run_payload(rbundle, args)
    assert a.returncode == 0 == b.returncode, a.stderr + b.stderr
    assert a.stdout == b.stdout
    assert ":pids:%s/c\n" % delegated_cgroup in a.stdout
    assert a.stdout.split()[-1] == "77"
    # pause and ps work through the delegated cgroup
    rbundle.write(args=["sleep", "600"])
    cid = urt.new_id("deleg")
    assert urt.run(cid, rbundle.path, "--detach").returncode == 0
    try:
        assert urt.cmd("pause", cid).returncode == 0
        assert urt.status(cid) == "paused"
        assert urt.cmd("resume", cid).returncode == 0
        pids = json.loads(urt.cmd("ps", "-f", "json", cid).stdout)
        assert pids == [urt.state_json(cid)["pid"]]
    finally:
        urt.delete(cid, force=True)
