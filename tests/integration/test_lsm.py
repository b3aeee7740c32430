"""LSM labels: process.selinuxLabel, linux.mountLabel, process.apparmorProfile
and exec --process-label / --apparmor.

On a host without SELinux and AppArmor (this kernel has neither) runc is the
reference: the same bundle runs under runc and skiff and must have the same
outcome for each field. runc 1.1.5 there: selinuxLabel is refused ("selinux
label is specified in config, but selinux is disabled or not supported"),
apparmorProfile fails when the profile is written to attr/exec (EINVAL), and
mountLabel is not checked: it becomes context="..." in the data of tmpfs,
devpts, masking and cgroup v1 tmpfs mounts, which a kernel without SELinux
refuses; a config without such a mount runs unlabelled.

The labels themselves (setexeccon, aa_change_onexec, the keyring label) can
only be seen on a kernel with the LSM; tests/unit/test-lsm.c checks the calls
with a fake backend."""

import json
import os
import subprocess
import time

import pytest

from test_exec import Running

SE_LABEL = "system_u:system_r:container_t:s0:c1,c2"
MOUNT_LABEL = "system_u:object_r:container_file_t:s0:c1,c2"
AA_PROFILE = "docker-default"


def selinux_enabled():
    return os.path.ismount("/sys/fs/selinux")


def apparmor_enabled():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return f.read().strip() == "Y"
    except OSError:
        return False


NO_LSM = not selinux_enabled() and not apparmor_enabled()


def keep_mounts(cfg, destinations):
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] in destinations]


def unlabelled_mounts(cfg):
    """Only mounts runc does not label: proc, sysfs, mqueue, a bind; masked
    files (bound /dev/null), no masked directories."""
    keep_mounts(cfg, ("/proc", "/sys", "/dev/mqueue"))
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": "/etc",
                          "options": ["rbind", "ro"]})
    cfg["linux"]["maskedPaths"] = ["/proc/kcore", "/proc/timer_list"]


def labelled_only(destinations, masked=()):
    def edit(cfg):
        keep_mounts(cfg, ("/proc",) + tuple(destinations))
        cfg["linux"]["maskedPaths"] = list(masked)
        cfg["linux"]["mountLabel"] = MOUNT_LABEL
    return edit


def set_process(field, value):
    def edit(cfg):
        cfg["process"][field] = value
    return edit


def mount_label_unlabelled(cfg):
    unlabelled_mounts(cfg)
    cfg["linux"]["mountLabel"] = MOUNT_LABEL


def mount_label_default(cfg):
    cfg["linux"]["mountLabel"] = MOUNT_LABEL


def empty_labels(cfg):
    """Empty strings mean unset (runc)."""
    cfg["process"]["selinuxLabel"] = ""
    cfg["process"]["apparmorProfile"] = ""
    cfg["linux"]["mountLabel"] = ""


# case -> (edit, expected outcome without an LSM, text of skiff's error)
CASES = {
    "selinuxLabel": (set_process("selinuxLabel", SE_LABEL), False,
                     "config.json: process.selinuxLabel `%s`: SELinux is disabled or not supported "
                     "on this host" % SE_LABEL),
    "apparmorProfile": (set_process("apparmorProfile", AA_PROFILE), False,
                        "config.json: process.apparmorProfile `%s`: AppArmor is disabled or not "
                        "supported on this host" % AA_PROFILE),
    "empty_labels": (empty_labels, True, None),
    "mountLabel_default_mounts": (mount_label_default, False,
                                  "linux.mountLabel `%s` (context= needs SELinux, which is "
                                  "disabled): mount `tmpfs` (tmpfs) on `/dev`: Invalid argument"
                                  % MOUNT_LABEL),
    "mountLabel_unlabelled_mounts": (mount_label_unlabelled, True, None),
    "mountLabel_shm_tmpfs": (labelled_only(["/dev/shm"]), False, "on `/dev/shm`: Invalid argument"),
    "mountLabel_devpts": (labelled_only(["/dev/pts"]), False, "on `/dev/pts`: Invalid argument"),
    "mountLabel_masked_dir": (labelled_only([], masked=["/proc/acpi"]), False,
                              "mask `/proc/acpi`: linux.mountLabel"),
    "mountLabel_cgroup_v1": (labelled_only(["/sys", "/sys/fs/cgroup"]), False,
                             "on `/sys/fs/cgroup`: Invalid argument"),
}

PAYLOAD = ["sh", "-c", "grep -E ' /(dev/mqueue|mnt|proc) ' /proc/self/mountinfo"]


def summary(mountinfo):
    """(mount point, fs type, has a context= option) per line."""
    out = []
    for line in mountinfo.splitlines():
        pre, post = line.split(" - ")
        out.append((pre.split()[4], post.split()[0], "context=" in line))
    return sorted(out)


@pytest.mark.skipif(not NO_LSM, reason="the outcomes compared here are those of a host without an LSM")
@pytest.mark.parametrize("case", sorted(CASES))
def test_field_outcome_matches_runc(rt, ref, make_bundle, case):
    edit, ok, message = CASES[case]
    outs = {}
    for r in (rt, ref):
        b = make_bundle()
        edit(b.config)
        res = r.run_payload(b, PAYLOAD)
        outs[r.name] = res
        assert (res.returncode == 0) == ok, "%s %s: rc=%d %s" % (r.name, case, res.returncode, res.stderr)
        # Nothing of the failed container stays (no_leftovers checks the host).
        assert r.ids() == [], r.ids()
    if ok:
        assert summary(outs["rt"].stdout) == summary(outs["ref"].stdout)
        assert ("/dev/mqueue", "mqueue", False) in summary(outs["rt"].stdout)
    if rt.is_skiff and message:
        lines = outs["rt"].stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("skiff: "), outs["rt"].stderr
        assert message in lines[0], lines[0]


@pytest.mark.skipif(not NO_LSM, reason="the outcomes compared here are those of a host without an LSM")
def test_create_refused_leaves_nothing(rt, ref, bundle):
    """create (not run) with each refused field: no state, no init process."""
    for field, value in (("selinuxLabel", SE_LABEL), ("apparmorProfile", AA_PROFILE)):
        bundle.config["process"].pop("selinuxLabel", None)
        bundle.config["process"].pop("apparmorProfile", None)
        bundle.config["process"][field] = value
        bundle.write(args=["true"])
        for r in (rt, ref):
            res = r.create(r.new_id("lsm"), bundle.path)
            assert res.returncode != 0, "%s %s: %s" % (r.name, field, res.stderr)
            assert r.ids() == []


def exec_cases(tmp):
    proc = {"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0},
            "env": ["PATH=/bin:/sbin"]}
    files = {}
    for field, value in (("selinuxLabel", SE_LABEL), ("apparmorProfile", AA_PROFILE)):
        p = dict(proc)
        p[field] = value
        path = os.path.join(tmp, "process-%s.json" % field)
        with open(path, "w") as f:
            json.dump(p, f)
        files[field] = path
    return [
        ("--process-label", ["--process-label", SE_LABEL], "process.selinuxLabel `%s`" % SE_LABEL),
        ("--apparmor", ["--apparmor", AA_PROFILE], "process.apparmorProfile `%s`" % AA_PROFILE),
        ("process.selinuxLabel", ["-p", files["selinuxLabel"]], "SELinux is disabled"),
        ("process.apparmorProfile", ["-p", files["apparmorProfile"]], "AppArmor is disabled"),
    ]


@pytest.mark.skipif(not NO_LSM, reason="the outcomes compared here are those of a host without an LSM")
def test_exec_outcome_matches_runc(rt, ref, make_bundle, scratch):
    for r in (rt, ref):
        with Running(r, make_bundle()) as c:
            for name, flags, message in exec_cases(scratch):
                args = flags + [c.cid] + ([] if "-p" in flags else ["true"])
                res = c.exec(*args)
                assert res.returncode != 0, "%s exec %s succeeded" % (r.name, name)
                if r.is_skiff:
                    assert res.returncode == 1
                    assert res.stderr.startswith("skiff: ") and message in res.stderr, res.stderr
            # The container is untouched and exec still works.
            res = c.exec(c.cid, "sh", "-c", "echo ok")
            assert res.returncode == 0 and res.stdout == "ok\n", "%s: %s" % (r.name, res.stderr)


@pytest.mark.skiff_only("skiff loads libselinux/libapparmor with dlopen only when asked")
def test_no_lsm_library_linked(skiff_path):
    res = subprocess.run(["readelf", "-d", skiff_path], capture_output=True, text=True, check=True)
    needed = [l for l in res.stdout.splitlines() if "(NEEDED)" in l]
    assert needed, res.stdout
    for lib in ("libselinux", "libapparmor"):
        assert not [l for l in needed if lib in l], needed


@pytest.mark.skiff_only("skiff loads libselinux/libapparmor with dlopen only when asked")
@pytest.mark.skipif(selinux_enabled(), reason="checks the host without SELinux")
def test_mount_label_without_selinux_loads_nothing(rt, bundle):
    """A running `skiff run` with a mount label (and no SELinux) has not
    mapped libselinux: the cheap kernel check kept it from loading."""
    mount_label_unlabelled(bundle.config)
    bundle.write(args=["sleep", "3"])
    cid = rt.new_id("lsm")
    p = rt.popen("run", "--bundle", bundle.path, cid)
    try:
        deadline = time.time() + 10
        while rt.status(cid) != "running" and time.time() < deadline:
            time.sleep(0.05)
        assert rt.status(cid) == "running"
        with open("/proc/%d/maps" % p.pid) as f:
            maps = f.read()
        assert "libselinux" not in maps and "libapparmor" not in maps
    finally:
        assert p.wait(timeout=20) == 0, p.read_stderr()
