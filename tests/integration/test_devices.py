"""Device setup leaves alone what the config mounts: a bind-mounted /dev is
used as it is (its nodes are the mount source's, never unlinked), and a
default device bound in by the config (rootless podman binds /dev/null)
is not replaced."""

import os


def test_bound_dev_is_not_touched(rt, ref, make_bundle, scratch):
    for r in (rt, ref):
        src = os.path.join(scratch, "dev-" + r.name)
        os.makedirs(src)
        marker = os.path.join(src, "null")
        with open(marker, "w") as f:
            f.write("not a device\n")
        b = make_bundle()
        b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
        b.add_mount("/dev", "bind", src, ["rbind", "rw"])
        res = r.run_payload(b, ["cat", "/dev/null"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        assert res.stdout == "not a device\n", r.name
        with open(marker) as f:
            assert f.read() == "not a device\n", "%s replaced a node of the bound /dev" % r.name


def test_bound_default_device_kept(rt, ref, bundle):
    bundle.add_mount("/dev/null", "bind", "/dev/null", ["bind", "rw"])
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "echo x > /dev/null && stat -c %t:%T /dev/null"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        assert res.stdout.strip() == "1:3"
    assert os.stat("/dev/null").st_rdev == os.makedev(1, 3)
