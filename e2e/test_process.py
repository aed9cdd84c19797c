"""The real binary: configuration errors, restart persistence, graceful shutdown, cold start."""
import json
import os
import signal
import subprocess

from harness import ROOT
from harness.binaries import metropole
from harness.server import Server


def test_sign_up_survives_a_restart(data_dir):
    # The production bcrypt cost, as a fresh installation runs.
    first = Server(data_dir, env={"METROPOLE_BCRYPT_COST": "12"}).start()
    status, body = first.api("POST", "/users", {"username": "Restart_Me", "password": "password123"})
    assert status == 201, body
    assert first.stop() == 0, "SIGTERM is a clean shutdown"

    second = Server(data_dir, http_port=first.http_port, env={"METROPOLE_BCRYPT_COST": "12"}).start()
    try:
        status, body = second.api("POST", "/sessions", {"username": "restart_me", "password": "password123"})
        assert status == 201, body
        assert body["user"]["username"] == "Restart_Me"
        status, me = second.api("GET", "/me", token=body["token"])
        assert status == 200 and me["user"]["username"] == "Restart_Me"
        assert os.path.exists(os.path.join(data_dir, "metropole.sqlite"))
    finally:
        assert second.stop(signal.SIGINT) == 0, "SIGINT is a clean shutdown"


def test_cold_start_is_fast(data_dir):
    server = Server(data_dir).start()
    try:
        print(f"cold start (exec to /healthz 200): {server.startup_seconds * 1000:.0f} ms")
        # Generous bound for a noisy shared CI machine; the measured figure is in the issue note.
        assert server.startup_seconds < 5
    finally:
        server.stop()


def test_bad_configuration_stops_with_one_line(data_dir):
    env = dict(os.environ, METROPOLE_DATA_DIR=data_dir, METROPOLE_HTTP_PORT="not-a-port")
    result = subprocess.run([metropole()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "METROPOLE_HTTP_PORT" in lines[0], result.stderr

    # Port 1: nothing listens. Without the MySQL trait the build says how to get it; with it,
    # the connection fails. Either way: one line naming DATABASE_URL.
    for url in ("mysql://u:p@127.0.0.1:1/m", "postgres://u:p@127.0.0.1:1/m?sslmode=disable"):
        env = dict(os.environ, METROPOLE_DATA_DIR=data_dir, DATABASE_URL=url)
        result = subprocess.run([metropole()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode != 0
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("metropole: DATABASE_URL"), result.stderr + result.stdout


def test_data_dir_is_created(data_dir):
    nested = os.path.join(data_dir, "a", "b")
    Server(nested).start().stop()
    assert os.path.exists(os.path.join(nested, "metropole.sqlite"))


def test_help_explains_the_commands():
    result = subprocess.run([metropole(), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    for word in ("serve", "migrate", "METROPOLE_HTTP_PORT", "DATABASE_URL"):
        assert word in result.stdout


def test_migrate_command(data_dir):
    env = dict(os.environ, METROPOLE_DATA_DIR=data_dir, METROPOLE_RTMP_PORT="0", METROPOLE_WEBRTC_UDP_PORT="0")
    result = subprocess.run([metropole(), "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "up to date" in result.stdout


def test_sigterm_ends_open_connections_and_keeps_the_last_chat_messages(data_dir):
    """Every service stops in reverse order, awaited: the HTTP server ends its WebSockets (1001)
    and event streams, and the chat archive writes its last batch before the process exits."""
    import socket
    import time
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    server = Server(data_dir).start()
    assert server.api("POST", "/users", {"username": "host", "password": "password123"})[0] == 201
    token = server.api("POST", "/sessions", {"username": "host", "password": "password123"})[1]["token"]
    chat = connect(f"ws://127.0.0.1:{server.http_port}/api/v1/streams/host/chat",
                   additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5)
    assert json.loads(chat.recv(timeout=5))["type"] == "hello"
    events = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    events.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: t\r\n\r\n")
    assert b"text/event-stream" in events.recv(4096)
    chat.send(json.dumps({"type": "message", "text": "last words"}))
    assert json.loads(chat.recv(timeout=5))["text"] == "last words"

    started = time.monotonic()
    assert server.stop() == 0, "SIGTERM is a clean shutdown"
    print(f"graceful stop with open sockets: {(time.monotonic() - started) * 1000:.0f} ms")
    assert time.monotonic() - started < 5
    try:
        while True:
            chat.recv(timeout=2)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1001, "going away"
    tail = b""
    while chunk := events.recv(4096):
        tail += chunk
    assert tail.endswith(b"0\r\n\r\n") or tail == b"", "the stream ended, not cut"
    events.close()

    again = Server(data_dir, http_port=server.http_port).start()
    try:
        with connect(f"ws://127.0.0.1:{again.http_port}/api/v1/streams/host/chat", open_timeout=5) as guest:
            history = json.loads(guest.recv(timeout=5))["history"]
            assert [message["text"] for message in history] == ["last words"]
    finally:
        again.stop()
