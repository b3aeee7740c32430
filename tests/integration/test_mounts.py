"""Mounts from config.json: bind/rbind, tmpfs options, flags, missing destinations."""

import os
import subprocess

import pytest

from test_rootfs import mountinfo_line


def test_bind_ro(rt, bundle, scratch):
    with open(os.path.join(scratch, "file"), "w") as f:
        f.write("from host\n")
    bundle.add_mount("/data", "bind", scratch, ["bind", "ro"])
    r = rt.run_payload(bundle, ["sh", "-c", "cat /data/file; touch /data/new && echo WROTE; true"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "from host"
    assert "Read-only file system" in r.stderr
    assert not os.path.exists(os.path.join(scratch, "new"))


def test_bind_rw(rt, bundle, scratch):
    bundle.add_mount("/data", "none", scratch, ["bind", "rw"])
    r = rt.run_payload(bundle, ["sh", "-c", "echo inside > /data/new"])
    assert r.returncode == 0, r.stderr
    assert open(os.path.join(scratch, "new")).read() == "inside\n"


def test_rbind_vs_bind(rt, bundle, scratch):
    sub = os.path.join(scratch, "sub")
    os.makedirs(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "skiff-it-rbind", sub], check=True)
    try:
        with open(os.path.join(sub, "marker"), "w") as f:
            f.write("submount\n")
        bundle.add_mount("/r", "bind", scratch, ["rbind", "ro"])
        bundle.add_mount("/b", "bind", scratch, ["bind", "ro"])
        r = rt.run_payload(bundle, ["sh", "-c", "cat /r/sub/marker; ls -A /b/sub | wc -l"])
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["submount", "0"]
    finally:
        subprocess.run(["umount", "-l", sub], check=True)


def test_tmpfs_size_mode(rt, ref, make_bundle):
    outs = {}
    for r in (rt, ref):
        # a fresh bundle each: runc chmods a tmpfs to the mode of an existing destination
        bundle = make_bundle()
        bundle.add_mount("/t", "tmpfs", "tmpfs", ["size=1m", "mode=700", "nosuid", "nodev", "noexec"])
        res = r.run_payload(bundle, ["sh", "-c", "stat -c %a /t; grep ' /t ' /proc/self/mountinfo"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    lines = outs["rt"].splitlines()
    assert lines[0] == "700"
    f = lines[1].split()
    assert {"nosuid", "nodev", "noexec"} <= set(f[5].split(","))
    assert "size=1024k" in f[-1] and "mode=700" in f[-1]
    # mount ids differ; compare the rest
    strip = lambda s: [l.split()[4:] for l in s.splitlines()[1:]] + [s.splitlines()[0]]
    assert strip(outs["rt"]) == strip(outs["ref"])


@pytest.mark.parametrize("opt,test", [
    ("noexec", "cp /bin/busybox /t/bb && /t/bb true && echo RAN"),
    ("nodev", "mknod /t/n c 1 3 && echo x > /t/n && echo RAN"),
])
def test_mount_flags_effective(rt, bundle, opt, test):
    bundle.add_mount("/t", "tmpfs", "tmpfs", ["size=4m", opt])
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_MKNOD")
    bundle.config["process"]["capabilities"]["effective"].append("CAP_MKNOD")
    bundle.config["process"]["capabilities"]["permitted"].append("CAP_MKNOD")
    r = rt.run_payload(bundle, ["sh", "-c", test + "; grep ' /t ' /proc/self/mountinfo"])
    assert "RAN" not in r.stdout
    assert opt in mountinfo_line(r.stdout, "/t")[5].split(",")


def test_mount_destination_created(rt, bundle):
    bundle.add_mount("/new/deep/dir", "tmpfs", "tmpfs", ["size=1m"])
    r = rt.run_payload(bundle, ["sh", "-c", "grep -c ' /new/deep/dir ' /proc/self/mountinfo"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
    assert os.path.isdir(os.path.join(bundle.rootfs, "new", "deep", "dir"))


def test_bind_file_destination_created(rt, bundle, scratch):
    src = os.path.join(scratch, "f")
    with open(src, "w") as f:
        f.write("filebind\n")
    bundle.add_mount("/etc/new/file.conf", "bind", src, ["bind", "ro"])
    r = rt.run_payload(bundle, ["cat", "/etc/new/file.conf"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "filebind\n"
    assert os.path.isfile(os.path.join(bundle.rootfs, "etc", "new", "file.conf"))


def test_bind_missing_source_fails(rt, bundle, scratch):
    bundle.add_mount("/data", "bind", os.path.join(scratch, "missing"), ["bind"])
    r = rt.run_payload(bundle, ["true"])
    assert r.returncode == 1
    assert r.stderr.strip()
    assert rt.ids() == []


def test_mount_order_and_over_mount(rt, bundle):
    bundle.add_mount("/m", "tmpfs", "tmpfs", ["size=1m"])
    bundle.add_mount("/m/inner", "tmpfs", "tmpfs", ["size=2m"])
    r = rt.run_payload(bundle, ["sh", "-c", "grep -E ' /m(/inner)? ' /proc/self/mountinfo | awk '{print $5}'"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["/m", "/m/inner"]


def test_proc_sys_dev_mounted(rt, bundle):
    r = rt.run_payload(bundle, ["sh", "-c", "awk '{print $5, $(NF-2)}' /proc/self/mountinfo"])
    assert r.returncode == 0, r.stderr
    m = dict(l.split() for l in r.stdout.splitlines())
    assert m["/proc"] == "proc"
    assert m["/sys"] == "sysfs"
    assert m["/dev"] == "tmpfs"
    assert m["/dev/pts"] == "devpts"
    assert m["/dev/shm"] == "tmpfs"
    assert m["/dev/mqueue"] == "mqueue"
