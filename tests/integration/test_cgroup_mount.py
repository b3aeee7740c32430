"""The "cgroup" mount without a cgroup namespace shows the container its own
cgroup (not the host's tree), with the mount's ro/rw, as runc does."""

import pytest


def view(r, bundle, rw):
    bundle.config["linux"]["resources"] = {"memory": {"limit": 104857600}, "pids": {"limit": 77}}
    for m in bundle.config["mounts"]:
        if m["type"] == "cgroup":
            m["options"] = [o for o in m.get("options", []) if o not in ("ro", "rw")] + (["rw"] if rw else ["ro"])
    res = r.run_payload(bundle, ["sh", "-c",
                                 "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; "
                                 "touch /sys/fs/cgroup/pids/x 2>/dev/null && echo rw || echo ro; "
                                 "ls /sys/fs/cgroup/memory | grep -c '^memory\\.limit_in_bytes$'"])
    assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
    return res.stdout.split()


@pytest.mark.parametrize("rw", [False, True])
def test_cgroup_mount_shows_own_cgroup(rt, ref, bundle, rw):
    got = {r.name: view(r, bundle, rw) for r in (rt, ref)}
    assert got["rt"][:2] == ["104857600", "77"], got
    assert got["rt"] == got["ref"]
