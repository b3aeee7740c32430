"""tmpcopyup (podman --read-only / --tmpfs): the tmpfs starts with a copy of
the directory it covers; symlinks stay symlinks; the image is untouched."""

import os


def test_tmpcopyup_copies_the_directory(rt, ref, make_bundle):
    outs = {}
    for r in (rt, ref):
        b = make_bundle()
        seed = os.path.join(b.rootfs, "srv", "seed")
        os.makedirs(os.path.join(seed, "sub"))
        with open(os.path.join(seed, "a"), "w") as f:
            f.write("hello\n")
        with open(os.path.join(seed, "sub", "b"), "w") as f:
            f.write("deep\n")
        os.chmod(seed, 0o750)
        os.symlink("/etc/passwd", os.path.join(seed, "link"))
        b.add_mount("/srv/seed", "tmpfs", "tmpfs", ["nosuid", "nodev", "tmpcopyup"])
        res = r.run_payload(b, ["sh", "-c",
                                "cat /srv/seed/a /srv/seed/sub/b; readlink /srv/seed/link; "
                                "stat -c %a /srv/seed; touch /srv/seed/new && echo wrote; "
                                "grep -c ' /srv/seed .* tmpfs ' /proc/self/mountinfo"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
        # The image itself is unchanged: the write went to the tmpfs.
        assert not os.path.exists(os.path.join(seed, "new"))
    assert outs["rt"] == outs["ref"]
    assert outs["rt"].split() == ["hello", "deep", "/etc/passwd", "750", "wrote", "1"]


def test_no_dev_console_without_terminal(rt, ref, bundle):
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "test -e /dev/console && echo yes || echo no"])
        assert res.returncode == 0, res.stderr
        outs[r.name] = res.stdout.strip()
    assert outs["rt"] == outs["ref"] == "no"
