"""containerd drives skiff; runc is the reference.

Two paths, each case run once per runtime (runc, skiff) with the same
expected outcome:
- ctr: ``ctr run --runc-binary <wrapper>`` through the io.containerd.runc.v2
  shim (create/start/exec/kill/ps/pause/resume/delete);
- CRI: runtime handlers ``runc`` and ``skiff`` in containerd's CRI plugin,
  driven by a small gRPC client (tests/peers/cri/client.py).

The private containerd, its images and the cleanup live in
containerd_support.py.
"""

import base64
import itertools
import json
import os
import subprocess
import time

import pytest

from containerd_support import (CGROUP_PARENT, IMAGE, RUNTIMES, TOKEN,
                                containerd, cri, expect)  # noqa: F401 (fixtures)

_ids = itertools.count()


class Ctr:
    """ctr with one runtime (through its logging wrapper)."""

    def __init__(self, cd, name):
        self.cd = cd
        self.name = name
        self.binary = cd.wrappers[name]
        self.root = cd.roots[name]

    def new_id(self, tag):
        return "%s-%s-%d" % (self.name, tag, next(_ids))

    def ctr(self, *args, **kw):
        return self.cd.ctr(*args, stdin=subprocess.DEVNULL, **kw)

    def exec(self, cid, exec_id, *cmd, opts=()):
        return self.ctr("task", "exec", "--fifo-dir", self.cd.fifo_dir,
                        "--exec-id", exec_id, *opts, cid, *cmd)

    def run(self, cid, *cmd, detach=False, rm=False):
        args = ["run", "--runc-binary", self.binary, "--runc-root", self.root,
                "--fifo-dir", self.cd.fifo_dir]
        args += ["-d"] if detach else []
        args += ["--rm"] if rm else []
        return self.ctr(*args, IMAGE, cid, *cmd)

    def expect_ok(self, r, what):
        expect(self.cd, r.returncode == 0, "%s [%s]: rc=%d\nstdout: %s\nstderr: %s"
               % (what, self.name, r.returncode, r.stdout, r.stderr))

    def task(self, cid):
        """(pid, status) from `ctr task ls`, or None."""
        r = self.ctr("task", "ls")
        for line in r.stdout.splitlines()[1:]:
            f = line.split()
            if len(f) >= 3 and f[0] == cid:
                return int(f[1]), f[2]
        return None

    def wait_status(self, cid, status, timeout=10):
        deadline = time.time() + timeout
        while True:
            t = self.task(cid)
            if t is not None and t[1] == status:
                return t
            if time.time() > deadline:
                expect(self.cd, False, "[%s] task %s: want %s, have %s"
                       % (self.name, cid, status, t))
            time.sleep(0.1)

    def remove(self, cid):
        self.ctr("task", "kill", "-a", "-s", "SIGKILL", cid)
        for _ in range(50):
            t = self.task(cid)
            if t is None or t[1] == "STOPPED":
                break
            time.sleep(0.1)
        if self.task(cid) is not None and \
                self.ctr("task", "delete", cid).returncode != 0:
            self.ctr("task", "delete", "-f", cid)
        self.ctr("container", "delete", cid)


@pytest.fixture(params=RUNTIMES)
def ctr(request, containerd):
    c = Ctr(containerd, request.param)
    c.created = []
    yield c
    for cid in c.created:
        if c.task(cid) is not None or \
                cid in c.ctr("container", "ls", "-q").stdout.split():
            c.remove(cid)


def start_sleeper(ctr, tag, *cmd):
    cid = ctr.new_id(tag)
    ctr.created.append(cid)
    r = ctr.run(cid, *(cmd or ("sleep", "1000")), detach=True)
    ctr.expect_ok(r, "ctr run -d")
    ctr.wait_status(cid, "RUNNING")
    return cid


# --- ctr path ---------------------------------------------------------------

def test_ctr_run_rm_exit_code(ctr):
    cid = ctr.new_id("exit")
    ctr.created.append(cid)
    r = ctr.run(cid, "sh", "-c", "echo out-$((6*7)); exit 3", rm=True)
    expect(ctr.cd, r.returncode == 3, "[%s] ctr run --rm: rc=%d (want 3)\n%s"
           % (ctr.name, r.returncode, r.stderr))
    expect(ctr.cd, r.stdout.strip() == "out-42", "stdout %r" % r.stdout)
    # --rm removed the task and the container.
    expect(ctr.cd, ctr.task(cid) is None, "task left behind")
    expect(ctr.cd, cid not in ctr.ctr("container", "ls", "-q").stdout.split(),
           "container left behind")


def test_ctr_run_rm_success(ctr):
    cid = ctr.new_id("ok")
    ctr.created.append(cid)
    r = ctr.run(cid, "sh", "-c", "cat /proc/self/cgroup | grep -c %s; id -u" % ctr.cd.ns,
                rm=True)
    ctr.expect_ok(r, "ctr run --rm")
    lines = r.stdout.split()
    expect(ctr.cd, lines[-1] == "0", "uid %r" % r.stdout)
    expect(ctr.cd, int(lines[0]) >= 1, "not in /NS/ID cgroups: %r" % r.stdout)


def test_ctr_exec(ctr):
    cid = start_sleeper(ctr, "exec")
    # The sleep: ctr (containerd 1.6) sometimes loses what an exec process
    # wrote when it exits within a few ms of starting, with runc as with skiff.
    r = ctr.exec(cid, "e1", "sh", "-c", "echo exec-out; echo exec-err >&2; sleep 0.3; exit 5")
    expect(ctr.cd, r.returncode == 5, "[%s] exec rc=%d (want 5)\n%s"
           % (ctr.name, r.returncode, r.stderr))
    expect(ctr.cd, r.stdout.strip() == "exec-out", "stdout %r" % r.stdout)
    expect(ctr.cd, "exec-err" in r.stderr, "stderr %r" % r.stderr)
    r = ctr.exec(cid, "e2", "sh", "-c", "pwd; id -u; sleep 0.3",
                 opts=("--cwd", "/tmp", "--user", "65534"))
    ctr.expect_ok(r, "exec --cwd --user")
    expect(ctr.cd, r.stdout.split() == ["/tmp", "65534"], "stdout %r" % r.stdout)


def test_ctr_task_ps(ctr):
    cid = start_sleeper(ctr, "ps")
    pid, _ = ctr.task(cid)
    r = ctr.exec(cid, "bg", "sleep", "999", opts=("-d",))
    ctr.expect_ok(r, "exec -d")
    deadline = time.time() + 10
    while True:
        r = ctr.ctr("task", "ps", cid)
        ctr.expect_ok(r, "ctr task ps")
        pids = [int(line.split()[0]) for line in r.stdout.splitlines()[1:] if line.strip()]
        if len(pids) == 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    expect(ctr.cd, pid in pids and len(pids) == 2,
           "[%s] task ps: %r (init pid %d)" % (ctr.name, r.stdout, pid))


def test_ctr_pause_resume(ctr):
    cid = start_sleeper(ctr, "pause")
    ctr.expect_ok(ctr.ctr("task", "pause", cid), "ctr task pause")
    ctr.wait_status(cid, "PAUSED")
    ctr.expect_ok(ctr.ctr("task", "resume", cid), "ctr task resume")
    ctr.wait_status(cid, "RUNNING")
    r = ctr.exec(cid, "after", "echo", "alive")
    ctr.expect_ok(r, "exec after resume")
    expect(ctr.cd, r.stdout.strip() == "alive", "stdout %r" % r.stdout)


def test_ctr_kill_term_delete(ctr):
    cid = start_sleeper(ctr, "kill", "sh", "-c",
                        "trap 'exit 7' TERM; while :; do sleep 0.1; done")
    ctr.expect_ok(ctr.ctr("task", "kill", cid), "ctr task kill (SIGTERM)")
    ctr.wait_status(cid, "STOPPED")
    r = ctr.ctr("task", "delete", cid)
    ctr.expect_ok(r, "ctr task delete")
    # ctr task delete reports the task's exit status as a warning.
    expect(ctr.cd, "non-zero exit code 7" in r.stderr, "[%s] task delete: %r (want 7)"
           % (ctr.name, r.stderr))
    expect(ctr.cd, ctr.task(cid) is None, "task still listed")
    expect(ctr.cd, not os.path.exists(os.path.join(ctr.root, ctr.cd.ns, cid))
           and not os.path.exists(os.path.join(ctr.root, cid)),
           "runtime state of %s left in %s" % (cid, ctr.root))
    ctr.expect_ok(ctr.ctr("container", "delete", cid), "ctr container delete")
    expect(ctr.cd, cid not in ctr.ctr("container", "ls", "-q").stdout.split(),
           "container still listed")


def test_ctr_delete_force_stopped(ctr):
    # containerd's WithProcessKill (task delete -f, CRI's exit handler) runs
    # `kill --all ID 9` on the stopped container: runc 1.1 exits 0 there.
    cid = start_sleeper(ctr, "delf", "sh", "-c", "sleep 0.3; exit 2")
    ctr.wait_status(cid, "STOPPED")
    r = ctr.ctr("task", "delete", "-f", cid)
    ctr.expect_ok(r, "ctr task delete -f (stopped task)")
    expect(ctr.cd, ctr.task(cid) is None, "task still listed")


def test_ctr_kill_all_sigkill(ctr):
    cid = start_sleeper(ctr, "killall", "sh", "-c", "sleep 1000 & sleep 1000 & wait")
    ctr.expect_ok(ctr.ctr("task", "kill", "-a", "-s", "SIGKILL", cid),
                  "ctr task kill -a -s SIGKILL")
    ctr.wait_status(cid, "STOPPED")
    r = ctr.ctr("task", "delete", cid)
    ctr.expect_ok(r, "ctr task delete")
    expect(ctr.cd, "non-zero exit code 137" in r.stderr, "[%s] task delete: %r (want 137)"
           % (ctr.name, r.stderr))
    cg = "/sys/fs/cgroup/pids/%s/%s" % (ctr.cd.ns, cid)
    expect(ctr.cd, not os.path.exists(cg), "cgroup %s left behind" % cg)


# --- CRI path ---------------------------------------------------------------

class Pod:
    """One CRI pod sandbox on a runtime handler."""

    def __init__(self, cd, client, handler):
        self.cd = cd
        self.cri = client
        self.handler = handler
        n = next(_ids)
        self.name = "%s-pod-%d" % (handler, n)
        self.config = {
            "metadata": {"name": self.name, "uid": "%s-%d" % (TOKEN, n),
                         "namespace": "skiff-test", "attempt": 0},
            "hostname": self.name,
            "log_directory": os.path.join(cd.base, "podlogs", self.name),
            "linux": {"cgroup_parent": CGROUP_PARENT,
                      "security_context": {"namespace_options": {
                          "network": "POD", "pid": "CONTAINER", "ipc": "POD"}}},
        }
        self.id = None
        self.containers = []

    def call(self, method, req=None, timeout=None):
        try:
            return self.cri.call(method, req, timeout=timeout)
        except Exception as e:
            expect(self.cd, False, "[%s] CRI %s(%s) failed: %s"
                   % (self.handler, method, req, e))

    def run(self):
        r = self.call("RunPodSandbox", {"config": self.config,
                                        "runtime_handler": self.handler})
        self.id = r["pod_sandbox_id"]
        # Remember the pod's netns so that cleanup can remove it even if
        # StopPodSandbox fails.
        info = self.call("PodSandboxStatus", {"pod_sandbox_id": self.id,
                                              "verbose": True}).get("info", {})
        try:
            spec = json.loads(info.get("info", "{}")).get("runtimeSpec", {})
            for ns in spec.get("linux", {}).get("namespaces", []):
                if ns.get("type") == "network" and ns.get("path"):
                    self.cd.netns_paths.add(ns["path"])
        except ValueError:
            pass
        return self.id

    def create(self, name, command, start=True):
        cfg = {"metadata": {"name": name, "attempt": 0},
               "image": {"image": IMAGE},
               "command": command,
               "log_path": name + ".log",
               "linux": {}}
        r = self.call("CreateContainer", {"pod_sandbox_id": self.id, "config": cfg,
                                          "sandbox_config": self.config})
        cid = r["container_id"]
        self.containers.append(cid)
        if start:
            self.call("StartContainer", {"container_id": cid})
        return cid

    def status(self, cid):
        return self.call("ContainerStatus", {"container_id": cid})["status"]

    def wait_state(self, cid, state, timeout=10):
        deadline = time.time() + timeout
        while True:
            st = self.status(cid)
            if st["state"] == state:
                return st
            if time.time() > deadline:
                expect(self.cd, False, "[%s] container %s: want %s, have %s"
                       % (self.handler, cid, state, st))
            time.sleep(0.1)

    def destroy(self):
        if self.id is None:
            return
        for cid in self.containers:
            try:
                self.cri.call("StopContainer", {"container_id": cid, "timeout": 1},
                              timeout=10)
                self.cri.call("RemoveContainer", {"container_id": cid}, timeout=10)
            except Exception:
                pass
        try:
            self.cri.call("StopPodSandbox", {"pod_sandbox_id": self.id}, timeout=10)
            self.cri.call("RemovePodSandbox", {"pod_sandbox_id": self.id}, timeout=10)
        except Exception:
            pass


@pytest.fixture(params=RUNTIMES)
def pod(request, containerd, cri):
    p = Pod(containerd, cri, request.param)
    yield p
    p.destroy()


def test_cri_pod_lifecycle(pod):
    pid = pod.run()
    st = pod.call("PodSandboxStatus", {"pod_sandbox_id": pid})["status"]
    expect(pod.cd, st["state"] == "SANDBOX_READY", "sandbox %s" % st)
    expect(pod.cd, st["network"]["ip"] == "10.213.0.2", "pod ip %s" % st["network"])
    cid = pod.create("sleeper", ["sleep", "1000"])
    st = pod.wait_state(cid, "CONTAINER_RUNNING")

    r = pod.call("ExecSync", {"container_id": cid, "timeout": 20,
                              "cmd": ["sh", "-c", "echo out; echo err >&2; exit 4"]})
    expect(pod.cd, r["exit_code"] == 4, "[%s] ExecSync exit %s" % (pod.handler, r))
    out = base64.b64decode(r["stdout"]).decode()
    err = base64.b64decode(r["stderr"]).decode()
    expect(pod.cd, out == "out\n" and err == "err\n", "ExecSync output %r %r" % (out, err))

    # The container shares the sandbox's network namespace (its eth0).
    r = pod.call("ExecSync", {"container_id": cid, "timeout": 20,
                              "cmd": ["sh", "-c", "hostname; ip -4 addr show eth0"]})
    out = base64.b64decode(r["stdout"]).decode()
    expect(pod.cd, r["exit_code"] == 0 and pod.name in out and "10.213.0.2" in out,
           "[%s] hostname/netns: %r" % (pod.handler, r))

    # SIGTERM from the host's pid namespace ends sleep (runc: 143).
    pod.call("StopContainer", {"container_id": cid, "timeout": 5})
    st = pod.wait_state(cid, "CONTAINER_EXITED")
    expect(pod.cd, st["exit_code"] == 143, "[%s] exit code %s" % (pod.handler, st))
    pod.call("RemoveContainer", {"container_id": cid})
    pod.containers.remove(cid)
    r = pod.call("ListContainers", {"filter": {"pod_sandbox_id": pid}})
    expect(pod.cd, not r.get("containers"), "containers left: %s" % r)

    pod.call("StopPodSandbox", {"pod_sandbox_id": pid})
    st = pod.call("PodSandboxStatus", {"pod_sandbox_id": pid})["status"]
    expect(pod.cd, st["state"] == "SANDBOX_NOTREADY", "sandbox %s" % st)
    pod.call("RemovePodSandbox", {"pod_sandbox_id": pid})
    pod.id = None
    r = pod.call("ListPodSandbox", {"filter": {"id": pid}})
    expect(pod.cd, not r.get("items"), "sandbox left: %s" % r)
    # No runtime state left behind for this pod.
    root = os.path.join(pod.cd.roots[pod.handler], "k8s.io")
    left = [d for d in (os.listdir(root) if os.path.isdir(root) else [])
            if d in (pid, cid)]
    expect(pod.cd, not left, "runtime state left in %s: %s" % (root, left))


def test_cri_container_exit_code(pod):
    pod.run()
    cid = pod.create("exiter", ["sh", "-c", "echo bye; exit 3"])
    st = pod.wait_state(cid, "CONTAINER_EXITED")
    expect(pod.cd, st["exit_code"] == 3, "[%s] exit code %s" % (pod.handler, st))
    with open(st["log_path"]) as f:
        log = f.read()
    expect(pod.cd, "stdout F bye" in log, "container log %r" % log)


def test_cri_exec_sync_timeout_and_env(pod):
    pod.run()
    cid = pod.create("envy", ["sleep", "1000"])
    pod.wait_state(cid, "CONTAINER_RUNNING")
    r = pod.call("ExecSync", {"container_id": cid, "timeout": 20,
                              "cmd": ["sh", "-c", "echo $PATH; cat /proc/1/cmdline"]})
    out = base64.b64decode(r["stdout"]).decode()
    expect(pod.cd, r["exit_code"] == 0 and "/usr/bin" in out and "sleep" in out,
           "[%s] ExecSync %r" % (pod.handler, out))
