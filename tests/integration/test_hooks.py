"""Lifecycle hooks: where (namespace) and when each kind runs, what it reads
on stdin, and what a failing or hanging hook does. runc runs the same
bundles as the reference."""

import json
import os

import pytest

KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def recorder(kind, logdir):
    """A hook that saves its stdin and its mount namespace under logdir."""
    script = 'cat > "$LOG/%s.json"; readlink /proc/self/ns/mnt > "$LOG/%s.ns"' % (kind, kind)
    return {"path": "/bin/sh", "args": ["sh", "-c", script], "env": ["LOG=%s" % logdir]}


def add_hooks(bundle, scratch, kinds=KINDS):
    hooks = {}
    for k in kinds:
        # startContainer runs after pivot_root: it sees the container's files,
        # so it logs to the bind mount of the same directory.
        hooks.setdefault(k, []).append(recorder(k, "/hooklog" if k == "startContainer" else scratch))
    bundle.config["hooks"] = hooks
    bundle.add_mount("/hooklog", "bind", scratch, ["rbind", "rw"])


def seen(scratch):
    out = {}
    for k in KINDS:
        p = os.path.join(scratch, k + ".json")
        if os.path.exists(p):
            with open(p) as f:
                state = json.load(f)
            with open(os.path.join(scratch, k + ".ns")) as f:
                out[k] = (state, f.read().strip())
    return out


def test_all_hooks_run_in_the_right_namespace(rt, ref, make_bundle, workdir):
    host_ns = os.readlink("/proc/self/ns/mnt")
    results = {}
    for r in (rt, ref):
        scratch = os.path.join(workdir, "hooks-%s" % r.name)
        os.makedirs(scratch, exist_ok=True)
        b = make_bundle()
        add_hooks(b, scratch)
        cid = r.new_id("hk")
        res = r.run_payload(b, ["true"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        got = seen(scratch)
        assert sorted(got) == sorted(KINDS), "%s ran %s" % (r.name, sorted(got))
        for k, (state, ns) in got.items():
            in_container = k in ("createContainer", "startContainer")
            assert (ns != host_ns) == in_container, "%s: %s ran in the wrong mount namespace" % (r.name, k)
            assert state["id"].startswith(r.new_id("x").rsplit("-", 2)[0]), state
            assert state["bundle"] == b.path
        results[r.name] = {k: (st["status"], st.get("pid", 0) > 0) for k, (st, _) in got.items()}
        del cid
    # The state each hook sees matches runc's (status, and whether pid is set).
    assert results["rt"] == results["ref"]


def test_failing_create_runtime_hook_aborts(rt, bundle, scratch):
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 7"]}]}
    cid = rt.new_id("hf")
    res = rt.create(cid, bundle.write().path)
    assert res.returncode != 0
    if rt.is_skiff:
        assert "createRuntime" in res.stderr and "exit status 7" in res.stderr, res.stderr
    assert rt.state(cid).returncode != 0


def test_failing_create_container_hook_aborts(rt, bundle):
    bundle.config["hooks"] = {"createContainer": [{"path": "/bin/false"}]}
    cid = rt.new_id("hc")
    res = rt.create(cid, bundle.write().path)
    assert res.returncode != 0
    assert rt.state(cid).returncode != 0


def test_hook_timeout_kills_it(rt, bundle):
    bundle.config["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    cid = rt.new_id("ht")
    res = rt.create(cid, bundle.write().path, timeout=20)
    assert res.returncode != 0
    if rt.is_skiff:
        assert "timeout" in res.stderr, res.stderr


def test_failing_poststart_is_a_warning(rt, bundle):
    bundle.config["hooks"] = {"poststart": [{"path": "/bin/false"}]}
    res = rt.run_payload(bundle, ["sh", "-c", "exit 0"])
    if rt.is_skiff:
        assert res.returncode == 0, res.stderr
        assert "warning" in res.stderr and "poststart" in res.stderr, res.stderr


def test_failing_poststop_is_a_warning(rt, bundle):
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/false"}]}
    cid = rt.new_id("hp")
    assert rt.create(cid, bundle.write(args=["true"]).path).returncode == 0
    res = rt.delete(cid, force=True)
    assert res.returncode == 0, res.stderr
    if rt.is_skiff:
        assert "warning" in res.stderr and "poststop" in res.stderr, res.stderr
    assert rt.state(cid).returncode != 0


def test_hook_env_and_args(rt, bundle, scratch):
    out = os.path.join(scratch, "args")
    bundle.config["hooks"] = {"createRuntime": [{
        "path": "/bin/sh", "args": ["sh", "-c", 'echo "$0 $1 $FOO" > %s' % out, "a0", "a1"],
        "env": ["FOO=bar"]}]}
    res = rt.run_payload(bundle, ["true"])
    assert res.returncode == 0, res.stderr
    with open(out) as f:
        assert f.read().strip() == "a0 a1 bar"
