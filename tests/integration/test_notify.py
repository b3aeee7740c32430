"""sd_notify: with NOTIFY_SOCKET set for create, the container gets a socket
at the same path and READY=1 reaches the host socket (with MAINPID) only
when the container sends it; `start` does not wait for it."""

import os
import socket
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def notify_bundle(bundle, scratch):
    helper = os.path.join(bundle.rootfs, "bin", "sd-notify")
    r = subprocess.run(["gcc", "-static", "-O2", "-o", helper,
                        os.path.join(HERE, "helpers", "sd-notify.c")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot build the sd-notify helper: %s" % r.stderr)
    return bundle


@pytest.fixture
def host_socket(scratch):
    path = os.path.join(scratch, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    yield path, s
    s.close()


def test_ready_is_relayed_after_the_container_says_so(rt, notify_bundle, host_socket):
    path, sock = host_socket
    b = notify_bundle
    b.write(args=["sh", "-c", "test -S \"$NOTIFY_SOCKET\" || exit 9; sleep 3; "
                              "sd-notify 'STATUS=warming up'; sd-notify READY=1; exec sleep 30"])
    cid = rt.new_id("nt")
    res = rt.create(cid, b.path, env={"NOTIFY_SOCKET": path})
    assert res.returncode == 0, res.stderr
    try:
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            sock.recv(4096)  # nothing before start
        t0 = time.monotonic()
        assert rt.start(cid).returncode == 0
        assert time.monotonic() - t0 < 2.0, "start waited for READY=1 (sent 3 s after start)"
        sock.settimeout(10)
        msgs = []
        while not any("READY=1" in m for m in msgs):
            msgs.append(sock.recv(4096).decode())
        assert any("STATUS=warming up" in m for m in msgs), msgs
        pid = rt.state_json(cid)["pid"]
        assert "MAINPID=%d" % pid in msgs[-1], msgs
    finally:
        rt.delete(cid, force=True)


def test_no_notify_socket_means_no_mount(rt, bundle):
    res = rt.run_payload(bundle, ["sh", "-c", "echo ${NOTIFY_SOCKET:-unset}"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "unset"
