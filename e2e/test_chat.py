"""Chat end to end (issue 5): real WebSocket clients against the real binary — two users and a
guest — for delivery, colors, every rule, moderation and persistence; then two Chromium
windows chatting through the channel page."""
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from harness.server import Server


class Chat:
    """One chat socket; `next(type)` skips frames of other types (viewer counts, others' chat)."""

    def __init__(self, server, channel, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.socket = connect(f"ws://127.0.0.1:{server.http_port}/api/v1/streams/{channel}/chat",
                              additional_headers=headers, open_timeout=5)
        self.hello = self.next("hello")

    def send(self, text):
        self.socket.send(json.dumps({"type": "message", "text": text}))

    def next(self, kind, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            frame = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if frame["type"] == kind:
                return frame

    def mine(self, timeout=3.0):
        """The next message this client itself sent."""
        while True:
            message = self.next("message", timeout)
            if message["username"] == self.hello["you"]["username"]:
                return message

    def error(self, text):
        self.send(text)
        return self.next("error")

    def close(self):
        self.socket.close()


@pytest.fixture
def people(server):
    """The streamer `Host`, a viewer `Bea`, and their tokens."""
    return server, server.sign_up("Host"), server.sign_up("Bea")


def patch_stream(server, token, **settings):
    status, body = server.api("PATCH", "/me/stream", settings, token=token)
    assert status == 200, body
    return body["stream"]


def test_delivery_to_two_users_and_a_guest_with_stable_colors(people):
    server, host_token, bea_token = people
    host, bea, guest = Chat(server, "Host", host_token), Chat(server, "Host", bea_token), Chat(server, "Host")

    assert host.hello["you"] == {"username": "Host", "color": host.hello["you"]["color"], "canChat": True,
                                 "isStreamer": True, "follows": False}
    assert bea.hello["you"]["canChat"] and not bea.hello["you"]["isStreamer"]
    assert guest.hello["you"]["canChat"] is False and guest.hello["you"]["reason"] == "not_signed_in"
    assert guest.hello["settings"] == {"enabled": True, "slowModeSeconds": 0, "followersOnly": False}
    assert guest.hello["history"] == []

    bea.send("  hello \u0007everyone\u202e  ")
    for client in (host, bea, guest):
        message = client.next("message")
        assert message["username"] == "Bea" and message["text"] == "hello everyone"
        assert message["color"] == bea.hello["you"]["color"] and message["isStreamer"] is False
        assert message["id"] and message["sentAt"].endswith("Z")
    host.send("welcome!")
    assert guest.next("message")["isStreamer"] is True

    # The guest reads but cannot send.
    assert guest.error("me too")["code"] == "not_signed_in"

    # Bea's color is the same on another channel and on a new visit.
    elsewhere = Chat(server, "Bea", bea_token)
    assert elsewhere.hello["you"]["color"] == bea.hello["you"]["color"]
    bea.close()
    again = Chat(server, "Host", bea_token)
    assert again.hello["you"]["color"] == bea.hello["you"]["color"]
    assert [m["text"] for m in again.hello["history"]] == ["hello everyone", "welcome!"]

    # Presence: the Community tab's list.
    status, chatters = server.api("GET", "/streams/Host/chatters")
    assert status == 200
    assert [p["username"] for p in chatters["people"]] == ["Host", "Bea"]
    assert chatters["guests"] == 1 and chatters["count"] == 3
    status, found = server.api("GET", "/streams/Host/chatters?q=be")
    assert [p["username"] for p in found["people"]] == ["Bea"]


def test_text_rules_and_html_is_only_text(people):
    server, host_token, bea_token = people
    bea = Chat(server, "Host", bea_token)
    assert bea.error("   ")["code"] == "empty"
    assert bea.error("\u0001\u0002\n")["code"] == "empty"
    assert bea.error("x" * 501)["code"] == "too_long"
    bea.send("y" * 500)
    assert len(bea.next("message")["text"]) == 500
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    bea.send(payload)
    assert bea.next("message")["text"] == payload
    bea.socket.send("not json")
    assert bea.next("error")["code"] == "invalid_frame"


def test_settings_are_pushed_live_and_enforced_with_streamer_exemptions(people):
    server, host_token, bea_token = people
    host, bea = Chat(server, "Host", host_token), Chat(server, "Host", bea_token)

    # Chat disabled: nobody posts, the streamer included.
    stream = patch_stream(server, host_token, chatEnabled=False)
    assert stream["chat"]["enabled"] is False
    for client in (host, bea):
        assert client.next("settings", timeout=1) == {"type": "settings", "enabled": False, "slowModeSeconds": 0,
                                                      "followersOnly": False}
    assert bea.error("hi")["code"] == "chat_disabled"
    assert host.error("hi")["code"] == "chat_disabled"
    patch_stream(server, host_token, chatEnabled=True)
    bea.next("settings", timeout=1)

    # Slow mode: retryAfter for viewers, the streamer is exempt.
    patch_stream(server, host_token, slowModeSeconds=3)
    assert bea.next("settings", timeout=1)["slowModeSeconds"] == 3
    bea.send("first")
    bea.next("message")
    refused = bea.error("second")
    assert refused["code"] == "slow_mode" and 1 <= refused["retryAfter"] <= 3
    host.send("one")
    host.send("two")
    assert [host.mine()["text"], host.mine()["text"]] == ["one", "two"]
    time.sleep(refused["retryAfter"])
    bea.send("third")
    assert bea.mine()["text"] == "third"

    # Followers-only: Bea does not follow; the streamer is exempt.
    patch_stream(server, host_token, slowModeSeconds=0, followersOnly=True)
    assert bea.next("settings", timeout=1)["followersOnly"] is True
    assert bea.error("hi")["code"] == "followers_only"
    host.send("streamer still talks")
    assert bea.next("message")["text"] == "streamer still talks"
    # Following lets her in without reconnecting.
    status, _ = server.api("PUT", "/me/following/Host", token=bea_token)
    assert status == 204
    bea.send("now I follow")
    assert bea.mine()["text"] == "now I follow"

    # A new connection sees the settings in hello, and the reason it cannot chat.
    late = Chat(server, "Host", server.sign_up("Late"))
    assert late.hello["settings"]["followersOnly"] is True
    assert late.hello["you"]["canChat"] is False and late.hello["you"]["reason"] == "followers_only"


def test_rate_limit_twenty_per_thirty_seconds_and_hundred_for_the_streamer(people):
    server, host_token, bea_token = people
    host, bea = Chat(server, "Host", host_token), Chat(server, "Host", bea_token)
    for index in range(20):
        bea.send(f"m{index}")
    texts = [bea.next("message")["text"] for _ in range(20)]
    assert texts == [f"m{index}" for index in range(20)]
    refused = bea.error("one too many")
    assert refused["code"] == "rate_limited" and 1 <= refused["retryAfter"] <= 30
    for index in range(30):
        host.send(f"h{index}")
    assert [host.mine()["text"] for _ in range(30)] == [f"h{index}" for index in range(30)]


def test_kick_closes_the_socket_within_a_second_and_refuses_reconnection(people):
    server, host_token, bea_token = people
    bea = Chat(server, "Host", bea_token)
    started = time.monotonic()
    status, _ = server.api("POST", "/me/kicks/Bea", {"seconds": 60}, token=host_token)
    assert status == 204
    assert bea.next("kicked", timeout=1)["type"] == "kicked"
    with pytest.raises(ConnectionClosed):
        bea.socket.recv(timeout=1)
    assert time.monotonic() - started < 1.0
    assert bea.socket.close_code == 4003
    with pytest.raises(InvalidStatus) as refused:
        Chat(server, "Host", bea_token)
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body)["error"]["code"] == "kicked"
    # A guest and other channels are unaffected; unknown channels are 404.
    Chat(server, "Host")
    Chat(server, "Bea", bea_token)
    with pytest.raises(InvalidStatus) as unknown:
        Chat(server, "Nobody")
    assert unknown.value.response.status_code == 404


def test_kick_expires(people):
    server, host_token, bea_token = people
    assert server.api("POST", "/me/kicks/Bea", {"seconds": 1}, token=host_token)[0] == 204
    with pytest.raises(InvalidStatus):
        Chat(server, "Host", bea_token)
    time.sleep(1.1)
    assert Chat(server, "Host", bea_token).hello["you"]["canChat"]


def test_blocked_users_cannot_open_the_chat(people):
    server, host_token, bea_token = people
    bea = Chat(server, "Host", bea_token)
    status, _ = server.api("PUT", "/me/blocked/Bea", token=host_token)
    assert status == 204
    kicked = bea.next("kicked", timeout=1)
    assert kicked["reason"] == "blocked"
    with pytest.raises(InvalidStatus) as refused:
        Chat(server, "Host", bea_token)
    assert refused.value.response.status_code == 403


def test_history_survives_a_restart(data_dir):
    first = Server(data_dir).start()
    try:
        token = first.sign_up("Host")
        host = Chat(first, "Host", token)
        for text in ("before", "the", "restart"):
            host.send(text)
            host.next("message")
        host.close()
    finally:
        first.stop()
    second = Server(data_dir, http_port=first.http_port).start()
    try:
        hello = Chat(second, "Host").hello
        assert [m["text"] for m in hello["history"]] == ["before", "the", "restart"]
        assert all(m["username"] == "Host" and m["isStreamer"] for m in hello["history"])
    finally:
        second.stop()


def test_history_is_the_last_fifty(data_dir):
    server = Server(data_dir, env={"METROPOLE_CHAT_RATE_LIMIT": "1000/1000"}).start()
    try:
        host = Chat(server, "Host", server.sign_up("Host"))
        for index in range(60):
            host.send(f"n{index}")
        for _ in range(60):
            host.next("message")
        history = Chat(server, "Host").hello["history"]
        assert [m["text"] for m in history] == [f"n{index}" for index in range(10, 60)]
    finally:
        server.stop()


def test_viewers_frame_counts_people_in_chat(people):
    server, host_token, bea_token = people
    host = Chat(server, "Host", host_token)
    first = host.next("viewers")
    assert first["chatters"] == 1
    Chat(server, "Host", bea_token)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frame = host.next("viewers", timeout=5)
        if frame["chatters"] == 2:
            break
    assert frame["chatters"] == 2


def raw_chat_socket(server, channel):
    """A chat WebSocket opened by hand that reads but never answers a ping: a vanished peer."""
    import base64
    import os
    import socket

    raw = socket.create_connection(("127.0.0.1", server.http_port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /api/v1/streams/{channel}/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += raw.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return raw


def test_silent_sockets_are_pinged_then_closed_and_answering_ones_stay(data_dir):
    server = Server(data_dir, env={"METROPOLE_CHAT_PING_SECONDS": "1"}).start()
    try:
        host = Chat(server, "Host", server.sign_up("Host"))  # answers pings (the websockets client does)
        silent = raw_chat_socket(server, "Host")
        silent.settimeout(0.5)
        opcodes, started = [], time.monotonic()
        while time.monotonic() - started < 8:
            try:
                chunk = silent.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            # Server frames are small and unmasked: note each frame's opcode.
            while len(chunk) >= 2:
                length = chunk[1] & 0x7F
                header = 2 if length < 126 else 4
                if length == 126:
                    length = int.from_bytes(chunk[2:4], "big")
                opcodes.append(chunk[0] & 0x0F)
                chunk = chunk[header + length:]
        closed_after = time.monotonic() - started
        assert 0x9 in opcodes, f"no ping before the close: {opcodes}"
        assert opcodes[-1] == 0x8, f"no close frame: {opcodes}"
        assert closed_after < 5.5, f"a silent socket stayed {closed_after:.1f} s with a 1 s interval"
        # The client that answered pings is still served.
        host.send("still here")
        assert host.mine()["text"] == "still here"
    finally:
        server.stop()
