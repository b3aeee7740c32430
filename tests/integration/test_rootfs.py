"""Root filesystem: pivot_root / --no-pivot, readonly root, propagation, masked
and readonly paths, /dev contents."""

import os

import pytest


def mountinfo_line(text, mountpoint):
    for line in text.splitlines():
        f = line.split()
        if len(f) > 4 and f[4] == mountpoint:
            return f
    return None


@pytest.mark.parametrize("flags", [[], ["--no-pivot"]], ids=["pivot", "no-pivot"])
def test_pivot_and_no_pivot(rt, ref, bundle, flags):
    script = "ls /; cat /proc/self/mountinfo | awk '$5 == \"/\" {print $5}'"
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", script], *flags)
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    assert "bin" in outs["rt"].split()
    assert outs["rt"] == outs["ref"]


def test_readonly_root(rt, bundle):
    bundle.config["root"]["readonly"] = True
    r = rt.run_payload(bundle, ["sh", "-c", "touch /x && echo wrote; touch /tmp/x 2>/dev/null; echo $?"])
    assert "wrote" not in r.stdout
    assert not os.path.exists(os.path.join(bundle.rootfs, "x"))
    assert "Read-only file system" in r.stderr


def test_writable_root(rt, bundle):
    bundle.config["root"]["readonly"] = False
    r = rt.run_payload(bundle, ["sh", "-c", "touch /x && echo wrote"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "wrote"
    assert os.path.exists(os.path.join(bundle.rootfs, "x"))


# runc is the reference: same success and the same propagation tags on "/" and
# on a submount.  ("unbindable" is left out: runc 1.1.5 fails it with EINVAL.)
@pytest.mark.parametrize("prop", ["private", "rprivate", "slave", "rslave", "shared", "rshared"])
def test_rootfs_propagation(rt, ref, bundle, prop):
    bundle.config["linux"]["rootfsPropagation"] = prop
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["cat", "/proc/self/mountinfo"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        tags = []
        for mp in ("/", "/proc", "/dev"):
            f = mountinfo_line(res.stdout, mp)
            assert f is not None
            # optional fields sit between field 6 and the "-" separator
            tags.append(sorted(o.split(":")[0] for o in f[6:f.index("-")]))
        outs[r.name] = tags
    assert outs["rt"] == outs["ref"]


def test_masked_paths(rt, bundle):
    # /proc/kcore does not exist on this kernel; /proc/keys and /proc/timer_list do.
    bundle.config["linux"]["maskedPaths"].append("/proc/timer_list")
    r = rt.run_payload(bundle, ["sh", "-c",
                                "ls -A /sys/firmware | wc -l; cat /proc/keys | wc -c; "
                                "cat /proc/timer_list | wc -c"])
    out = r.stdout.split()
    assert out[:3] == ["0", "0", "0"], r.stdout + r.stderr
    assert os.path.getsize("/sys/firmware") >= 0 and os.listdir("/sys/firmware")  # host unchanged


def test_masked_nonexistent_path_ignored(rt, bundle):
    bundle.config["linux"]["maskedPaths"].append("/proc/does-not-exist")
    r = rt.run_payload(bundle, ["true"])
    assert r.returncode == 0, r.stderr


def test_masked_path_is_dev_null_or_tmpfs(rt, bundle):
    r = rt.run_payload(bundle, ["cat", "/proc/self/mountinfo"])
    assert r.returncode == 0
    keys = mountinfo_line(r.stdout, "/proc/keys")
    fw = mountinfo_line(r.stdout, "/sys/firmware")
    assert keys is not None and fw is not None
    assert "ro" in fw[5].split(",")
    assert fw[fw.index("-") + 1] == "tmpfs"


def test_readonly_paths(rt, bundle):
    r = rt.run_payload(bundle, ["sh", "-c",
                                "echo 1 > /proc/sys/kernel/domainname; echo rc=$?; "
                                "echo 1 > /proc/sys/net/ipv4/ip_forward; echo rc=$?"])
    assert "rc=0" not in r.stdout
    assert "Read-only file system" in r.stderr


def test_readonly_paths_mountinfo(rt, bundle):
    r = rt.run_payload(bundle, ["cat", "/proc/self/mountinfo"])
    for p in ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"):
        if not os.path.exists(p):  # e.g. no /proc/sysrq-trigger on this kernel
            assert mountinfo_line(r.stdout, p) is None
            continue
        f = mountinfo_line(r.stdout, p)
        assert f is not None, p
        assert "ro" in f[5].split(","), (p, f)


DEVS = "/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty"


def test_default_devices(rt, ref, bundle):
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "stat -c '%n %F %t %T %a' " + DEVS])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    got = {l.split()[0]: l.split()[1:] for l in outs["rt"].splitlines()}
    expect = {"/dev/null": ("1", "3"), "/dev/zero": ("1", "5"), "/dev/full": ("1", "7"),
              "/dev/random": ("1", "8"), "/dev/urandom": ("1", "9"), "/dev/tty": ("5", "0")}
    for path, (maj, mnr) in expect.items():
        f = got[path]
        assert f[0:3] == ["character", "special", "file"], f
        assert f[3:5] == [maj, mnr], (path, f)
        assert f[5] == "666", (path, f)
    assert outs["rt"] == outs["ref"]


def test_default_devices_usable(rt, bundle):
    r = rt.run_payload(bundle, ["sh", "-c",
                                "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["4", "4"]


def test_dev_symlinks(rt, ref, bundle):
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c",
                                     "for l in fd stdin stdout stderr ptmx core; do "
                                     "echo $l $(readlink /dev/$l); done"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    links = dict((l + " ").split(" ", 1) for l in outs["rt"].splitlines())
    links = {k: v.strip() for k, v in links.items()}
    assert links["fd"] == "/proc/self/fd"
    assert links["stdin"] == "/proc/self/fd/0"
    assert links["stdout"] == "/proc/self/fd/1"
    assert links["stderr"] == "/proc/self/fd/2"
    assert links["ptmx"] == "pts/ptmx"
    assert outs["rt"] == outs["ref"]


def test_custom_device(rt, ref, bundle):
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
         "fileMode": 0o640, "uid": 0, "gid": 0}]
    bundle.config["linux"]["resources"]["devices"].append(
        {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"})
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "stat -c '%F %t %T %a %u %g' /dev/mynull; echo hi > /dev/mynull && echo ok"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    assert outs["rt"].splitlines() == ["character special file 1 3 640 0 0", "ok"]
    assert outs["rt"] == outs["ref"]


def test_device_cgroup_denies_unlisted(rt, bundle):
    # /dev/mem-like node without an allow rule: the node exists but cannot be opened
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/mymem", "type": "c", "major": 1, "minor": 1, "fileMode": 0o600}]
    r = rt.run_payload(bundle, ["sh", "-c", "head -c1 /dev/mymem >/dev/null && echo OPENED"])
    assert "OPENED" not in r.stdout


def test_missing_rootfs(rt, bundle):
    bundle.config["root"]["path"] = "does-not-exist"
    r = rt.run_payload(bundle, ["true"])
    assert r.returncode == 1
    assert r.stderr.strip()
    assert rt.ids() == []
