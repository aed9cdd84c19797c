"""Several nodes on one database (METROPOLE_ROLE, METROPOLE_NODE_URL): two ingest and two web
nodes on a fresh MariaDB or PostgreSQL database. A stream published to ingest node 2 is live on
both web nodes, which send players to ingest node 2; chat on web node 1 and web node 2 is one
room in one order; settings, kicks and a dead node's streams reach every node.

Needs the servers scripts/test starts (METROPOLE_TEST_MYSQL_URL, METROPOLE_TEST_POSTGRES_URL);
without them these tests fail loudly rather than skip, unless METROPOLE_TEST_BACKENDS leaves
that backend out (harness/cluster.py, the same rule as test_db_copy.py)."""
import collections
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from harness import ROOT, processes
from harness.binaries import metropole
from harness.cluster import Cluster
from harness.databases import fresh_database
from harness.media import publish
from harness.processes import wait_until
from harness.server import PASSWORD, Server
from test_webhooks import Receiver, register  # the signed-webhook receiver (pytest puts e2e/ on the path)

# web1 first: it starts alone and runs the migrations on the empty database.
NODES = [("web1", "web"), ("ingest1", "ingest"), ("ingest2", "ingest"), ("web2", "web")]
# Rate limits are not what this file tests; the bursts below stay clear of them anyway.
NODE_ENV = {"METROPOLE_CHAT_RATE_LIMIT": "1000/1000",
            # The creator's webhook receiver is on loopback.
            "METROPOLE_WEBHOOKS_ALLOW_PRIVATE": "1", "METROPOLE_WEBHOOKS_RETRY_SECONDS": "1"}
CHANNEL = "alice"
SLOW_MODE_SECONDS = 2


# ---------------------------------------------------------------------------------------------
# Clients


class Chat:
    """One chat socket on one node (test_chat.py's client, keeping every message frame it
    reads, in order, in `messages`). `next(kind)` skips frames of other types."""

    def __init__(self, node, channel, token=None, who=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.who = f"{who or 'guest'}@{node.name}"
        self.messages = []
        self.socket = connect(f"ws://127.0.0.1:{node.http_port}/api/v1/streams/{channel}/chat",
                              additional_headers=headers, open_timeout=5)
        self.hello = self.next("hello")
        self.username = self.hello["you"].get("username", "").lower()

    def send(self, text):
        self.socket.send(json.dumps({"type": "message", "text": text}))

    def frame(self, timeout):
        """The next frame of any type; an AssertionError naming this client on timeout."""
        try:
            frame = json.loads(self.socket.recv(timeout=max(timeout, 0.01)))
        except TimeoutError:
            raise AssertionError(f"{self.who}: no frame within {timeout:.1f} s") from None
        if frame.get("type") == "message":
            self.messages.append(frame)
        return frame

    def next(self, kind, timeout=3.0, what=""):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.who}: no {kind!r} frame within {timeout:.1f} s {what}".rstrip())
            try:
                frame = self.frame(remaining)
            except AssertionError:
                raise AssertionError(f"{self.who}: no {kind!r} frame within {timeout:.1f} s {what}".rstrip()) from None
            except ConnectionClosed as closed:
                raise AssertionError(f"{self.who}: socket closed ({closed}) while waiting for {kind!r} {what}".rstrip()) from None
            if frame["type"] == kind:
                return frame

    def settings(self, predicate, timeout=2.0, what=""):
        """The first `settings` frame that satisfies `predicate` (older ones may still be queued)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next("settings", deadline - time.monotonic(), what)
            if predicate(frame):
                return frame

    def until(self, condition, timeout, what):
        """Reads frames until `condition()` holds (checked first, on what was read already)."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.who}: {what} not seen within {timeout:.1f} s; "
                                     f"messages so far: {[m['text'] for m in self.messages]}")
            try:
                self.frame(remaining)
            except AssertionError:
                continue
            except ConnectionClosed as closed:
                raise AssertionError(f"{self.who}: socket closed ({closed}) while waiting for {what}") from None

    def has(self, text):
        return any(message["text"] == text for message in self.messages)

    def drain(self, seconds):
        """Reads whatever arrives for `seconds` (a duplicate would show up here)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.frame(deadline - time.monotonic())
            except AssertionError:
                return

    def post(self, text, timeout=3.0):
        """Sends `text`; the answer: this client's own message frame with that text, or an error."""
        self.send(text)
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next_of(("message", "error"), deadline - time.monotonic(), f"after sending {text!r}")
            if frame["type"] == "error":
                return frame
            if frame["username"].lower() == self.username and frame["text"] == text:
                return frame

    def next_of(self, kinds, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.who}: none of {kinds} within {timeout:.1f} s {what}")
            try:
                frame = self.frame(remaining)
            except AssertionError:
                continue
            except ConnectionClosed as closed:
                raise AssertionError(f"{self.who}: socket closed ({closed}) {what}") from None
            if frame["type"] in kinds:
                return frame

    def close(self):
        self.socket.close()


class Player:
    """A player WebSocket (`/live/{user}/ws`): checks the first message is the init segment,
    then keeps reading in a thread (a reader that stops would be dropped as too slow) and
    notes when and how the server closed it."""

    def __init__(self, url, token, who):
        self.url = url
        # No ?viewer= id: the signed-in user is the viewer, the same one her HLS requests count as.
        self.socket = connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                              max_size=None, open_timeout=5)
        try:
            self.init = self.socket.recv(timeout=5)
        except (TimeoutError, ConnectionClosed) as error:
            self.socket.close()
            raise AssertionError(f"{who}'s player {url}: no first message within 5 s ({error!r})") from None
        self.close_code, self.closed_at, self.texts = None, None, []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                message = self.socket.recv()
                if isinstance(message, str):
                    self.texts.append(message)
        except ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd is not None else None
        except Exception:  # noqa: BLE001 - any other end is "closed, no code"
            pass
        finally:
            self.closed_at = time.monotonic()
            self.closed.set()

    def close(self):
        try:
            self.socket.close()
        except Exception:  # noqa: BLE001
            pass


class Events:
    """A reader of a node's server-sent events (`GET /api/v1/events`) in a thread: every
    `data:` line's JSON, with the time it arrived."""

    def __init__(self, node):
        self.node = node
        self.connection = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=60)
        self.connection.request("GET", "/api/v1/events", headers={"Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        assert self.response.status == 200, f"{node.name} /api/v1/events answered {self.response.status}"
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        self.events = []
        self.condition = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                line = line.decode(errors="replace").rstrip("\r\n")
                if not line.startswith("data:"):
                    continue
                try:
                    event = json.loads(line[5:].strip())
                except ValueError:
                    continue
                with self.condition:
                    self.events.append((time.monotonic(), event))
                    self.condition.notify_all()
        except Exception:  # noqa: BLE001 - closed under it (close() from the test thread), or the node died
            return

    def wait_for(self, predicate, timeout):
        """(arrival time, event) of the first event satisfying `predicate`, or None."""
        def found():
            return next(((at, event) for at, event in self.events if predicate(event)), None)

        with self.condition:
            self.condition.wait_for(found, timeout=max(timeout, 0))
            return found()

    def close(self):
        try:
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.connection.close()


# ---------------------------------------------------------------------------------------------
# Helpers


def sign_up(node, username):
    status, body = node.api("POST", "/users", {"username": username, "password": PASSWORD})
    assert status == 201, f"sign-up of {username} on {node.name}: expected 201, got {status} {body}"
    status, session = node.api("POST", "/sessions", {"username": username, "password": PASSWORD})
    assert status == 201, f"sign-in of {username} on {node.name}: expected 201, got {status} {session}"
    return session["token"]


def stream(node, username=CHANNEL, token=None):
    status, body = node.api("GET", f"/streams/{username}", token=token)
    assert status == 200, f"GET /api/v1/streams/{username} on {node.name}: expected 200, got {status} {body}"
    return body


def is_live(node, username=CHANNEL):
    return stream(node, username)["isLive"]


def patch_stream(node, token, **settings):
    status, body = node.api("PATCH", "/me/stream", settings, token=token)
    assert status == 200, f"PATCH /me/stream {settings} on {node.name}: expected 200, got {status} {body}"
    return body["stream"]


def http_get(url, token=None, timeout=5):
    """(status, body text) of a GET, errors included."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def refused_status(url, token=None):
    """The HTTP status a WebSocket handshake at `url` is refused with (None if it was accepted)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with connect(url, additional_headers=headers, open_timeout=5, max_size=None):
            return None
    except InvalidStatus as refused:
        return refused.response.status_code


def first_message_is_init_segment(data):
    return isinstance(data, bytes) and data[4:8] == b"ftyp" and b"moov" in data


# ---------------------------------------------------------------------------------------------
# The cluster test, step by step


def check_roles(cluster):
    """Ingest nodes answer 404 for pages, API and chat; web nodes listen for no RTMP."""
    ingest1 = cluster["ingest1"]
    assert http_get(ingest1.url + "/healthz")[0] == 200
    for path in ("/", f"/{CHANNEL}", f"/api/v1/streams/{CHANNEL}", "/api/v1/streams"):
        status, _ = http_get(ingest1.url + path)
        assert status == 404, f"GET {path} on an ingest node: expected 404, got {status}"
    status = refused_status(f"ws://127.0.0.1:{ingest1.http_port}/api/v1/streams/{CHANNEL}/chat")
    assert status == 404, f"chat WebSocket on an ingest node: expected a 404 refusal, got {status or 'accepted'}"
    for name in ("web1", "web2"):
        try:
            socket.create_connection(("127.0.0.1", cluster[name].rtmp_port), timeout=1).close()
        except ConnectionRefusedError:
            continue
        pytest.fail(f"{name} (role web) should not listen for RTMP, but port {cluster[name].rtmp_port} accepts connections")
    # A WHIP offer to a web node is sent on (307, the only redirect WHIP allows) to an ingest node,
    # once the web node has read the registry (every 0.25 s).
    ingest_whip = {f"{cluster[name].url}/api/v1/whip" for name in ("ingest1", "ingest2")}

    def whip_answer():
        request = urllib.request.Request(cluster["web1"].url + "/api/v1/whip", data=b"v=0\r\n", method="POST",
                                         headers={"Content-Type": "application/sdp", "Authorization": "Bearer x"})
        try:
            return urllib.request.build_opener(NoRedirect).open(request, timeout=5).status, None
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location")

    answer = wait_until(lambda: (lambda a: a if a[0] == 307 else None)(whip_answer()), timeout=3)
    assert answer and answer[1] in ingest_whip, f"WHIP on web1: expected 307 to one of {ingest_whip}, got {whip_answer()}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def go_live(cluster, tokens):
    """alice publishes to ingest node 2; both web nodes see her live and send players there."""
    web1, web2, ingest2 = cluster["web1"], cluster["web2"], cluster["ingest2"]
    status, ingress = web1.api("POST", "/me/ingress", {"protocol": "rtmp"}, tokens["alice"])
    assert status == 201, f"POST /me/ingress on web1: expected 201, got {status} {ingress}"
    print(f"ingress from web1: serverUrl {ingress['serverUrl']}")
    publisher = publish(f"rtmp://127.0.0.1:{ingest2.rtmp_port}/live/{ingress['streamKey']}")
    started = time.monotonic()
    live = wait_until(lambda: is_live(web1) and is_live(web2), timeout=10, interval=0.1)
    assert live, (f"alice not live on both web nodes 10 s after publishing to ingest2 "
                  f"(web1 {is_live(web1)}, web2 {is_live(web2)}; ffmpeg {'running' if publisher.poll() is None else 'exited'})")
    print(f"live on both web nodes {time.monotonic() - started:.2f} s after ffmpeg started")

    expected = {"hls": f"http://127.0.0.1:{ingest2.http_port}/live/{CHANNEL}/index.m3u8",
                "ws": f"ws://127.0.0.1:{ingest2.http_port}/live/{CHANNEL}/ws"}
    for node in (web1, web2):
        playback = stream(node, token=tokens["bob"])["playback"]
        assert playback.get("hls") == expected["hls"] and playback.get("ws") == expected["ws"], \
            f"playback on {node.name} should name ingest2 ({expected}), got {playback}"

    def playlist():
        status, text = http_get(expected["hls"], tokens["bob"])
        return (status, text) if status == 200 and text.startswith("#EXTM3U") else None

    answer = wait_until(playlist, timeout=5, interval=0.2)
    assert answer, f"LL-HLS playlist on ingest2: expected 200 #EXTM3U, got {http_get(expected['hls'], tokens['bob'])}"
    return publisher, expected


def bob_watches(cluster, tokens, playback):
    web1, web2 = cluster["web1"], cluster["web2"]
    player = Player(playback["ws"], tokens["bob"], "bob")
    try:
        assert first_message_is_init_segment(player.init), \
            f"bob's player on ingest2: first message should be the fMP4 init segment, got {player.init[:16]!r}"
        started = time.monotonic()
        counted = wait_until(lambda: stream(web1)["viewerCount"] == 1 and stream(web2)["viewerCount"] == 1,
                             timeout=3, interval=0.1)
        assert counted, (f"bob alone watches (player on ingest2, playlist read with his token): viewerCount should be 1 on both web nodes within 3 s, got "
                         f"web1 {stream(web1)['viewerCount']}, web2 {stream(web2)['viewerCount']}")
        print(f"viewer count on both web nodes after {time.monotonic() - started:.2f} s")
    finally:
        player.close()


def chat_in_one_order(bob, carol):
    """~20 messages, alternating then back to back from both sides at once: each socket gets
    each exactly once, senders included, and both see the same order."""
    alternating = []
    for index in range(8):
        sender, name = (bob, "bob") if index % 2 == 0 else (carol, "carol")
        text = f"turn {index} from {name}"
        sender.send(text)
        for reader in (bob, carol):
            reader.until(lambda: reader.has(text), 3, f"alternating message {text!r}")
        alternating.append(text)

    bursts = {"bob": [f"burst {i} from bob" for i in range(6)], "carol": [f"burst {i} from carol" for i in range(6)]}
    barrier = threading.Barrier(2)
    failures = []

    def fire(chat, texts):
        try:
            barrier.wait(timeout=5)
            for text in texts:
                chat.send(text)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=fire, args=(bob, bursts["bob"])),
               threading.Thread(target=fire, args=(carol, bursts["carol"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not failures, f"sending the bursts failed: {failures}"

    expected = alternating + bursts["bob"] + bursts["carol"]
    started = time.monotonic()
    for reader in (bob, carol):
        reader.until(lambda: all(reader.has(text) for text in expected), 5, "every burst message")
    print(f"bursts of {len(bursts['bob']) + len(bursts['carol'])} delivered to both nodes in "
          f"{time.monotonic() - started:.2f} s")
    for reader in (bob, carol):
        reader.drain(0.5)  # a duplicate arriving late shows up here

    seen = {}
    for reader in (bob, carol):
        texts = [message["text"] for message in reader.messages]
        counts = collections.Counter(texts)
        duplicated = sorted(text for text, count in counts.items() if count > 1)
        unexpected = sorted(set(texts) - set(expected))
        assert not duplicated, f"{reader.who} received these more than once: {duplicated}"
        assert not unexpected, f"{reader.who} received messages nobody sent in this phase: {unexpected}"
        assert sorted(texts) == sorted(expected), f"{reader.who} is missing {sorted(set(expected) - set(texts))}"
        assert [t for t in texts if t in alternating] == alternating, \
            f"{reader.who}: alternating messages out of the order they were sent: {texts}"
        for name, burst in bursts.items():
            assert [t for t in texts if t in burst] == burst, f"{reader.who}: {name}'s burst out of order: {texts}"
        for message in reader.messages:
            sender = message["text"].rsplit(" ", 1)[-1]
            assert message["username"].lower() == sender, f"{reader.who}: {message} should be from {sender}"
        seen[reader.who] = texts
    bob_order, carol_order = seen[bob.who], seen[carol.who]
    assert bob_order == carol_order, (f"both sockets should see one total order:\n  {bob.who}: {bob_order}\n"
                                      f"  {carol.who}: {carol_order}")
    bob_ids = {m["text"]: m["id"] for m in bob.messages}
    carol_ids = {m["text"]: m["id"] for m in carol.messages}
    assert bob_ids == carol_ids, "a message should carry the same id on every node"
    print(f"chat: {len(expected)} messages, same order on web1 and web2")


def rules_reach_the_other_node(cluster, tokens, bob, carol):
    """Slow mode and followers-only set on web1 apply to carol's chat on web2."""
    web1, web2 = cluster["web1"], cluster["web2"]
    started = time.monotonic()
    patch_stream(web1, tokens["alice"], slowModeSeconds=SLOW_MODE_SECONDS)
    frame = carol.settings(lambda s: s["slowModeSeconds"] == SLOW_MODE_SECONDS, 2,
                           "(slow mode set on web1 should reach carol's chat on web2)")
    print(f"settings frame on web2 {time.monotonic() - started:.2f} s after the PATCH on web1")
    assert frame["followersOnly"] is False and frame["enabled"] is True, frame
    assert stream(web2)["chat"]["slowModeSeconds"] == SLOW_MODE_SECONDS

    first = carol.post("slow first")
    if first["type"] == "error":
        # Her burst moments ago may already count against the window; wait it out.
        assert first["code"] == "slow_mode", f"carol on web2, first message in slow mode: {first}"
        time.sleep(float(first.get("retryAfter") or SLOW_MODE_SECONDS) + 0.1)
        first = carol.post("slow first")
    assert first["type"] == "message", f"carol's first message in slow mode should pass, got {first}"
    refused = carol.post("slow second")
    assert refused["type"] == "error" and refused["code"] == "slow_mode", \
        f"carol's second quick message on web2 should be refused with slow_mode, got {refused}"
    assert 1 <= refused["retryAfter"] <= SLOW_MODE_SECONDS, refused
    bob.until(lambda: bob.has("slow first"), 3, "carol's slow-mode message on web1")
    assert not bob.has("slow second"), "a refused message must not reach the other node"

    patch_stream(web1, tokens["alice"], slowModeSeconds=0, followersOnly=True)
    carol.settings(lambda s: s["followersOnly"] is True and s["slowModeSeconds"] == 0, 2,
                   "(followers-only set on web1 should reach carol's chat on web2)")
    refused = carol.post("not a follower yet")
    assert refused["type"] == "error" and refused["code"] == "followers_only", \
        f"carol does not follow alice: expected a followers_only error on web2, got {refused}"
    status, body = web2.api("PUT", f"/me/following/{CHANNEL}", token=tokens["carol"])
    assert status == 204, f"PUT /me/following/alice on web2: expected 204, got {status} {body}"
    allowed = carol.post("now I follow")
    assert allowed["type"] == "message", f"carol follows alice now: her message should pass, got {allowed}"
    bob.until(lambda: bob.has("now I follow"), 3, "carol's message as a follower on web1")
    assert not bob.has("not a follower yet")

    patch_stream(web1, tokens["alice"], slowModeSeconds=0, followersOnly=False)
    carol.settings(lambda s: s["followersOnly"] is False and s["slowModeSeconds"] == 0, 2,
                   "(the reset on web1 should reach carol's chat on web2)")


def kick_reaches_the_other_nodes(cluster, tokens, bob, carol, playback):
    """A kick on web1 closes carol's chat on web2 and her player on ingest2 at once."""
    web1, web2 = cluster["web1"], cluster["web2"]
    player = Player(playback["ws"], tokens["carol"], "carol")
    try:
        assert first_message_is_init_segment(player.init), "carol's player on ingest2 should get the init segment"
        kicked = time.monotonic()
        status, body = web1.api("POST", "/me/kicks/carol", {"seconds": 60}, token=tokens["alice"])
        assert status == 204, f"POST /me/kicks/carol on web1: expected 204, got {status} {body}"
        carol.next("kicked", 2, "(a kick on web1 should reach carol's chat on web2)")
        kicked_frame = time.monotonic() - kicked
        try:
            while time.monotonic() - kicked < 3:
                carol.socket.recv(timeout=max(3 - (time.monotonic() - kicked), 0.01))
        except (ConnectionClosed, TimeoutError):
            pass
        chat_closed = time.monotonic() - kicked
        assert carol.socket.close_code is not None, "carol's chat on web2 got the kicked frame but was not closed within 3 s"
        print(f"kick on web1 -> kicked frame on web2 {kicked_frame * 1000:.0f} ms, chat closed {chat_closed * 1000:.0f} ms")
        assert carol.socket.close_code == 4003, f"carol's chat should close with 4003, got {carol.socket.close_code}"
        assert chat_closed < 1.0, f"carol's chat on web2 closed {chat_closed:.2f} s after the kick on web1; expected < 1 s"

        assert player.closed.wait(timeout=max(3 - (time.monotonic() - kicked), 0)), \
            "carol's player on ingest2 still open 3 s after the kick on web1"
        player_closed = player.closed_at - kicked
        print(f"kick on web1 -> carol's player on ingest2 closed {player_closed * 1000:.0f} ms")
        assert player.close_code == 4003, f"carol's player should close with 4003, got {player.close_code}"
        assert player_closed < 1.0, f"carol's player on ingest2 closed {player_closed:.2f} s after the kick; expected < 1 s"
    finally:
        player.close()

    # She cannot come back: refused with 403 (or let in only to be told she is kicked).
    chat_url = f"ws://127.0.0.1:{web2.http_port}/api/v1/streams/{CHANNEL}/chat"
    try:
        again = connect(chat_url, additional_headers={"Authorization": f"Bearer {tokens['carol']}"}, open_timeout=5)
    except InvalidStatus as refused:
        assert refused.response.status_code == 403, \
            f"carol's chat reconnect on web2: expected 403, got {refused.response.status_code}"
    else:
        try:
            frames = []
            try:
                while len(frames) < 10:
                    frames.append(json.loads(again.recv(timeout=2)))
            except (ConnectionClosed, TimeoutError):
                pass
            assert any(frame.get("type") == "kicked" for frame in frames), \
                f"carol's chat reconnect on web2 was accepted without a kicked frame: {frames}"
            assert again.close_code == 4003, f"expected close 4003, got {again.close_code}"
        finally:
            again.close()
    status = refused_status(playback["ws"], tokens["carol"])
    assert status == 403, f"carol's player reconnect on ingest2: expected 403, got {status or 'accepted'}"
    status, _ = http_get(playback["hls"], tokens["carol"])
    assert status == 403, f"carol's LL-HLS playlist on ingest2 after the kick: expected 403, got {status}"
    # Others are unaffected.
    assert bob.post("bob is still here")["type"] == "message"


def dead_node_goes_offline(cluster, events):
    """SIGKILL ingest2: alice is offline on both web nodes within 3 s, and web2's event stream
    says so."""
    web1, web2 = cluster["web1"], cluster["web2"]
    assert is_live(web1) and is_live(web2), "alice should still be live before ingest2 is killed"
    cluster.kill("ingest2")
    killed = time.monotonic()
    offline = {}
    while time.monotonic() - killed < 5 and len(offline) < 2:
        for node in (web1, web2):
            if node.name not in offline and not is_live(node):
                offline[node.name] = time.monotonic() - killed
        time.sleep(0.1)
    print("offline after kill -9 of ingest2: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(offline.items())))
    for node in (web1, web2):
        assert node.name in offline, f"alice still live on {node.name} 5 s after ingest2 was killed; expected offline within 3 s"
        assert offline[node.name] <= 3.0, f"alice went offline on {node.name} {offline[node.name]:.2f} s after the kill; expected ≤ 3 s"

    found = events.wait_for(lambda e: e.get("type") == "live" and str(e.get("username", "")).lower() == CHANNEL
                            and e.get("isLive") is False, timeout=max(killed + 4 - time.monotonic(), 0.1))
    assert found, (f"web2's /api/v1/events sent no {{\"type\":\"live\",\"username\":\"{CHANNEL}\",\"isLive\":false}} "
                   f"within 4 s of the kill; events seen: {[event for _, event in events.events]}")
    print(f"offline event on web2's SSE {found[0] - killed:.2f} s after the kill")
    assert found[0] - killed <= 3.0, f"the offline event came {found[0] - killed:.2f} s after the kill; expected ≤ 3 s"


def admin_sees_the_nodes(cluster, tokens, database):
    """`GET /api/v1/admin/nodes`: every node with its role and address; ingest2 holds the stream."""
    web1 = cluster["web1"]
    env = dict(os.environ, DATABASE_URL=database, METROPOLE_DATA_DIR=web1.data_dir, METROPOLE_RTMP_PORT="0",
               METROPOLE_WEBRTC_UDP_PORT="0")
    granted = subprocess.run([metropole(), "admin", "grant", CHANNEL], env=env, capture_output=True, text=True, timeout=60)
    assert granted.returncode == 0, granted.stdout + granted.stderr

    def nodes():
        status, body = web1.api("GET", "/admin/nodes", token=tokens[CHANNEL])
        assert status == 200, (status, body)
        return {(node["role"], node["url"]): node for node in body}

    expected = {(server.role, server.url) for server in cluster}
    held = ("ingest", cluster["ingest2"].url)
    assert wait_until(lambda: set(nodes()) == expected and nodes()[held]["streams"] == 1, timeout=3), nodes()
    assert sum(node["isThisNode"] for node in nodes().values()) == 1
    assert web1.api("GET", "/admin/nodes", token=tokens["bob"])[0] == 403


def webhooks_sent_once(receiver):
    """Four nodes, one sender: the creator's endpoint got stream.online once and, after the
    ingest node died, stream.offline once (sent by the sweeping node)."""
    assert wait_until(lambda: receiver.events("stream.offline"), timeout=10), "no stream.offline webhook after the node died"
    time.sleep(1.5)  # a second sender would have sent by now (deliveries are tried every 0.5 s)
    online, offline = receiver.events("stream.online"), receiver.events("stream.offline")
    assert [verified for _, _, verified in online + offline] == [True, True], \
        f"expected one signed stream.online and one stream.offline, got {len(online)} and {len(offline)}"


@pytest.mark.parametrize("backend", ["postgres", "mariadb"])
def test_two_ingest_and_two_web_nodes_share_streams_chat_and_moderation(tmp_path, backend):
    database = fresh_database(backend)
    cluster = Cluster(tmp_path / "nodes", database, NODES, env=NODE_ENV)
    publisher, chats, events, receiver = None, [], None, None
    test_started = time.monotonic()
    try:
        cluster.start()
        print(f"{backend}: 4 nodes up in {time.monotonic() - test_started:.1f} s")
        web1, web2 = cluster["web1"], cluster["web2"]
        tokens = {name: sign_up(web1, name) for name in (CHANNEL, "bob", "carol")}
        check_roles(cluster)  # after the sign-ups: alice's page and API entry exist, just not on ingest nodes
        # A session made on web1 works on web2: one database.
        assert web2.api("GET", "/me", token=tokens["carol"])[0] == 200, "carol's token from web1 should work on web2"

        receiver = Receiver().start()
        register(web1, tokens[CHANNEL], receiver, events=["stream.online", "stream.offline"])

        publisher, playback = go_live(cluster, tokens)
        bob_watches(cluster, tokens, playback)
        admin_sees_the_nodes(cluster, tokens, database)

        bob = Chat(web1, CHANNEL, tokens["bob"], who="bob")
        carol = Chat(web2, CHANNEL, tokens["carol"], who="carol")
        chats += [bob, carol]
        assert bob.hello["you"]["canChat"] and carol.hello["you"]["canChat"], (bob.hello, carol.hello)
        chat_in_one_order(bob, carol)
        rules_reach_the_other_node(cluster, tokens, bob, carol)
        kick_reaches_the_other_nodes(cluster, tokens, bob, carol, playback)

        events = Events(web2)  # opened before the kill
        dead_node_goes_offline(cluster, events)
        webhooks_sent_once(receiver)
        print(f"{backend}: cluster test took {time.monotonic() - test_started:.1f} s")
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        if receiver:
            receiver.stop()
        if events:
            events.close()
        for chat in chats:
            try:
                chat.close()
            except Exception:  # noqa: BLE001
                pass
        if publisher is not None and publisher.poll() is None:
            processes.stop(publisher)
        cluster.stop()


# ---------------------------------------------------------------------------------------------
# Roles that cannot run


def run_to_exit(tmp_path, env, timeout=15):
    """Runs the binary with `env` over a clean environment (no DATABASE_URL); (exit code,
    output). Fails the test if it is still running after `timeout`."""
    full = dict(os.environ)
    full.pop("DATABASE_URL", None)
    full.update({
        "METROPOLE_HTTP_PORT": str(processes.free_port()),
        "METROPOLE_RTMP_PORT": str(processes.free_port()),
        "METROPOLE_WEBRTC_UDP_PORT": str(processes.free_udp_port()),
        "METROPOLE_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "notice",
        **env,
    })
    process = processes.spawn([metropole()], cwd=ROOT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out = None
    if out is None:
        processes.stop(process)
        out, err = process.communicate()
        pytest.fail(f"metropole with {env} was still running after {timeout} s; expected it to refuse to start.\n{out}{err}")
    return process.returncode, out + err


@pytest.mark.parametrize("role,database", [("web", None), ("ingest", "sqlite"), ("bogus", None)])
def test_roles_other_than_all_need_a_shared_database_and_bad_roles_stop_start_up(tmp_path, role, database):
    env = {"METROPOLE_ROLE": role}
    if database == "sqlite":
        env["DATABASE_URL"] = "sqlite://" + str(tmp_path / "metropole.sqlite")
    code, output = run_to_exit(tmp_path, env)
    assert code != 0, f"METROPOLE_ROLE={role} with {env.get('DATABASE_URL', 'no DATABASE_URL')}: expected a non-zero exit, got 0\n{output}"
    lines = [line for line in output.splitlines() if "METROPOLE_ROLE" in line]
    assert lines, f"METROPOLE_ROLE={role}: expected a line naming METROPOLE_ROLE, got:\n{output}"
    print(f"METROPOLE_ROLE={role}: exit {code}: {lines[0]}")


def test_role_all_runs_on_sqlite(tmp_path):
    data_dir = str(tmp_path / "data")
    server = Server(data_dir, env={"METROPOLE_ROLE": "all", "DATABASE_URL": "sqlite://" + os.path.join(data_dir, "metropole.sqlite")})
    server.start()
    try:
        assert server.api("GET", "/streams")[0] == 200
    finally:
        assert server.stop() == 0


def test_a_page_on_a_web_node_plays_the_stream_from_the_ingest_node(tmp_path, browser):
    """Chromium, signed in on the web node, opens the channel before it goes live; when ffmpeg
    publishes to the ingest node, the "live" event names that node and the player plays from
    there (a WebSocket to another origin). A reload gets the ingest node's URLs in the page."""
    from harness.browser import sign_in

    database = fresh_database("postgres")
    with Cluster(tmp_path, database, [("web", "web"), ("ingest", "ingest")], env=NODE_ENV) as cluster:
        web, ingest = cluster["web"], cluster["ingest"]
        token = web.sign_up(CHANNEL)
        web.sign_up("viewer")
        key = web.ingress(token)["streamKey"]
        sign_in(browser, web, "viewer")
        browser.get(f"{web.url}/{CHANNEL}")

        def player(script):
            return browser.execute_script("const player = document.querySelector('[data-player]');"
                                          " const video = player.querySelector('video'); " + script)

        publisher = publish(f"rtmp://127.0.0.1:{ingest.rtmp_port}/live/{key}")
        try:
            assert wait_until(lambda: (player("return video.currentTime") or 0) > 1.0, timeout=20), \
                f"the open page did not play: state {player('return player.dataset.state')}\n{cluster.logs()}"
            assert player("return player.dataset.ws").startswith(f"http://127.0.0.1:{ingest.http_port}/live/")
            browser.get(f"{web.url}/{CHANNEL}")
            assert player("return player.dataset.ws") == f"ws://127.0.0.1:{ingest.http_port}/live/{CHANNEL}/ws"
            assert wait_until(lambda: (player("return video.currentTime") or 0) > 1.0, timeout=20), "the reloaded page did not play"
        finally:
            # Leave the page first: its chat would reconnect to nodes that are stopping.
            browser.get("about:blank")
            publisher.terminate()
            publisher.wait()


def test_a_stalled_ingest_node_is_taken_for_dead_then_comes_back(tmp_path):
    """SIGSTOP freezes the ingest node past the 2 s heartbeat limit: the web node takes its
    stream offline. On SIGCONT the node finds itself dropped from the registry, registers again
    and marks the stream it still holds live again."""
    import signal

    database = fresh_database("postgres")
    with Cluster(tmp_path, database, [("web", "web"), ("ingest", "ingest")], env=NODE_ENV) as cluster:
        web, ingest = cluster["web"], cluster["ingest"]
        token = web.sign_up(CHANNEL)
        key = web.ingress(token)["streamKey"]
        publisher = publish(f"rtmp://127.0.0.1:{ingest.rtmp_port}/live/{key}")
        try:
            assert wait_until(lambda: is_live(web), timeout=15), "the stream did not go live\n" + cluster.logs()
            os.kill(ingest.process.pid, signal.SIGSTOP)
            stopped = time.monotonic()
            try:
                assert wait_until(lambda: not is_live(web), timeout=5, interval=0.1), "a frozen node's stream stayed live"
                print(f"offline {time.monotonic() - stopped:.2f} s after SIGSTOP")
                time.sleep(max(0.0, 3.5 - (time.monotonic() - stopped)))
            finally:
                os.kill(ingest.process.pid, signal.SIGCONT)
            resumed = time.monotonic()
            assert wait_until(lambda: is_live(web), timeout=8, interval=0.1), "the stream did not come back\n" + cluster.logs()
            print(f"live again {time.monotonic() - resumed:.2f} s after SIGCONT")
            # Named in the "live" event, the node is known before the web node reads the registry again.
            assert stream(web)["playback"]["hls"].startswith(ingest.url + "/live/"), stream(web)
            assert "registering again" in ingest.read_log()
        finally:
            publisher.terminate()
            publisher.wait()
