"""Error paths: bad configs, missing rootfs, missing executable.
Each must exit 1 with a clear message and leave nothing behind (the autouse
no_leftovers fixture checks mounts, cgroups, processes and the state root)."""

import json
import os

import pytest


def write_raw(bundle, text):
    with open(bundle.config_path, "w") as f:
        f.write(text)


def assert_clean_failure(r, res):
    assert res.returncode == 1, "%s: rc=%d stderr=%s" % (r.name, res.returncode, res.stderr)
    assert res.stderr.strip(), "%s: no error message" % r.name
    assert r.ids() == []
    assert [e for e in os.listdir(r.root) if not e.startswith(".")] == []


def one_skiff_line(res):
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("skiff: "), res.stderr
    return lines[0]


BAD_CONFIGS = {
    "invalid_json": ("{ this is not json", "config.json"),
    "truncated_json": (None, "config.json"),
    "unknown_namespace": ("ns", "linux.namespaces[5].type"),
    "args_not_a_list": ("args", "process.args"),
    "empty_args": ("emptyargs", "process.args"),
}


def make_bad(bundle, kind):
    cfg = bundle.config
    if kind == "invalid_json":
        write_raw(bundle, "{ this is not json")
    elif kind == "truncated_json":
        write_raw(bundle, json.dumps(cfg)[:200])
    elif kind == "unknown_namespace":
        cfg["linux"]["namespaces"].append({"type": "foo"})
        bundle.write()
    elif kind == "args_not_a_list":
        cfg["process"]["args"] = "sh"
        bundle.write()
    elif kind == "empty_args":
        cfg["process"]["args"] = []
        bundle.write()


@pytest.mark.parametrize("kind", sorted(BAD_CONFIGS))
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_bad_config_fails_cleanly(rt, bundle, kind, cmd):
    make_bad(bundle, kind)
    res = getattr(rt, cmd)(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)


@pytest.mark.skiff_only("one `skiff: ...` line naming the JSON path")
@pytest.mark.parametrize("kind", sorted(BAD_CONFIGS))
def test_bad_config_message(rt, bundle, kind):
    make_bad(bundle, kind)
    res = rt.create(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)
    line = one_skiff_line(res)
    assert BAD_CONFIGS[kind][1] in line, line


def test_missing_config(rt, bundle):
    os.unlink(bundle.config_path)
    res = rt.create(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)


def test_missing_bundle_dir(rt, scratch):
    res = rt.create(rt.new_id(), os.path.join(scratch, "nope"))
    assert_clean_failure(rt, res)


@pytest.mark.parametrize("cmd", ["create", "run"])
def test_missing_rootfs(rt, bundle, cmd):
    bundle.config["root"]["path"] = "nope"
    bundle.write(args=["true"])
    res = getattr(rt, cmd)(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)


@pytest.mark.parametrize("cmd", ["create", "run"])
@pytest.mark.parametrize("arg0", ["/nonexistent", "nonexistent-cmd", "/etc/passwd"])
def test_exec_not_found(rt, bundle, cmd, arg0):
    bundle.write(args=[arg0])
    res = getattr(rt, cmd)(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)
    assert "nonexistent" in res.stderr or "passwd" in res.stderr


@pytest.mark.skiff_only("exec failures are one `skiff: ...` line")
def test_exec_not_found_message(rt, bundle):
    bundle.write(args=["/nonexistent"])
    res = rt.run(rt.new_id(), bundle.path)
    assert_clean_failure(rt, res)
    line = one_skiff_line(res)
    assert "/nonexistent" in line


def test_log_format_json(rt, ref, bundle, scratch):
    make_bad(bundle, "unknown_namespace")
    for r in (rt, ref):
        log = os.path.join(scratch, r.name + ".log")
        res = r.cmd("create", "--bundle", bundle.path, r.new_id(),
                    global_args=("--log", log, "--log-format", "json"))
        assert res.returncode == 1
        lines = [l for l in open(log).read().splitlines() if l.strip()]
        assert lines, "%s wrote no log" % r.name
        last = json.loads(lines[-1])
        assert last["level"] == "error"
        assert last["msg"]
        assert "time" in last
        assert r.ids() == []


def test_unknown_command(rt):
    res = rt.cmd("no-such-command")
    assert res.returncode != 0
    assert res.stderr.strip()


def test_commands_on_missing_container(rt):
    cid = rt.new_id()
    for args in (["start", cid], ["state", cid], ["kill", cid, "KILL"], ["delete", cid]):
        res = rt.cmd(*args)
        assert res.returncode == 1, args
        assert res.stderr.strip()
