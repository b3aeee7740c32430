"""kill after the init exited: runc's exit codes and wording, which
containerd relies on (it matches "container not running")."""


def stopped(r, bundle):
    cid = r.new_id("ks")
    assert r.create(cid, bundle.write(args=["true"]).path).returncode == 0
    assert r.start(cid).returncode == 0
    r.wait_status(cid, "stopped")
    return cid


def test_kill_all_on_stopped_container_succeeds(rt, ref, bundle):
    for r in (rt, ref):
        cid = stopped(r, bundle)
        try:
            res = r.kill(cid, "KILL", all=True)
            assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        finally:
            r.delete(cid, force=True)


def test_kill_stopped_container_says_not_running(rt, ref, bundle):
    for r in (rt, ref):
        cid = stopped(r, bundle)
        try:
            res = r.kill(cid, "KILL")
            assert res.returncode == 1
            assert "container not running" in res.stderr, "%s: %s" % (r.name, res.stderr)
        finally:
            r.delete(cid, force=True)
