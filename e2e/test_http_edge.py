"""The HTTP edge (decision 0014) against the real binary over raw sockets, on the release build
when the test command runs it: every request it accepts is answered, in order, whatever the
framing and however the bytes are split, or the connection closes (a 400 first for bytes that
are not HTTP). Cached guest pages are the answers without an `x-request-id` header: the edge
answers them from the head, before a Vapor request exists."""
import socket
import time

import pytest



class Connection:
    """One keep-alive HTTP/1.1 connection that sends raw bytes and reads framed answers."""

    def __init__(self, server):
        self.socket = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
        self.pending = b""

    def send(self, raw):
        self.socket.sendall(raw)

    def send_split(self, raw, sizes=(1, 7, 3, 29, 2)):
        """Sends `raw` in small pieces, pausing between them, so heads and bodies arrive split."""
        index, turn = 0, 0
        while index < len(raw):
            size = sizes[turn % len(sizes)]
            self.socket.sendall(raw[index:index + size])
            index += size
            turn += 1
            if turn % 8 == 0:
                time.sleep(0.005)

    def get(self, path, headers=""):
        self.send(f"GET {path} HTTP/1.1\r\nHost: test\r\n{headers}\r\n".encode())

    def answer(self):
        while b"\r\n\r\n" not in self.pending:
            self._receive()
        head, self.pending = self.pending.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if status == 100:
            return status, headers, ""
        assert "transfer-encoding" not in headers, "every answer here has a length"
        length = int(headers.get("content-length", "0"))
        while len(self.pending) < length:
            self._receive()
        body, self.pending = self.pending[:length], self.pending[length:]
        return status, headers, body.decode("utf-8", "replace")

    def closed_after(self, seconds=3):
        """True when the server ends the connection with nothing more sent."""
        self.socket.settimeout(seconds)
        try:
            rest = self.socket.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return False
        return rest == b"" and self.pending == b""

    def _receive(self):
        chunk = self.socket.recv(65536)
        assert chunk, "the server closed the connection"
        self.pending += chunk

    def close(self):
        self.socket.close()


@pytest.fixture
def host(server):
    assert server.api("POST", "/users", {"username": "host", "password": "password123"})[0] == 201
    token = server.api("POST", "/sessions", {"username": "host", "password": "password123"})[1]["token"]
    assert server.api("PATCH", "/me/stream", {"title": "Night <b>market</b> walk"}, token=token)[0] == 200
    warm = Connection(server)
    warm.get("/host")
    assert warm.answer()[0] == 200  # rendered by the application, now cached for guests
    warm.close()
    return token


def cached(headers):
    return "x-request-id" not in headers


CHUNKED_POST = (b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
                b"10\r\n{\"username\":\"hos\r\n1c\r\nt\",\"password\":\"password123\"}\r\n0\r\n\r\n")


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("gets", [("/host", "/host"), ("/api/v1/users/host", "/css/app.css")])
def test_a_chunked_post_and_two_pipelined_gets_get_three_answers(server, host, split, gets):
    """The sequence that lost its third answer behind Vapor's own HTTP/1 server."""
    connection = Connection(server)
    raw = CHUNKED_POST + b"".join(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for path in gets)
    (connection.send_split if split else connection.send)(raw)
    answers = [connection.answer() for _ in range(3)]
    assert [status for status, _, _ in answers] == [201, 200, 200]
    assert '"token"' in answers[0][2]
    if gets[0] == "/host":
        assert all(cached(headers) and "Night &lt;b&gt;market" in body for _, headers, body in answers[1:])
    else:
        assert '"host"' in answers[1][2] and answers[2][1]["content-type"].startswith("text/css")
    connection.get("/host")
    assert connection.answer()[0] == 200, "the connection is still in step"
    connection.close()


def test_expect_continue_and_large_bodies_keep_the_connection_in_step(server, host):
    login = b'{"username":"host","password":"password123"}'
    connection = Connection(server)
    connection.send(b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(login))
    assert connection.answer()[0] == 100
    connection.send(login + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\nGET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    assert [connection.answer()[0] for _ in range(3)] == [201, 200, 200]
    # A body well past 16 KiB (held while earlier answers are written), then pipelined pages.
    bio = "x" * 20_000
    body = ('{"bio":"%s"}' % bio).encode()
    connection.send(b"PATCH /api/v1/me HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s" % (host.encode(), len(body), body)
                    + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n" * 2)
    statuses = [connection.answer()[0] for _ in range(3)]
    assert statuses == [422, 200, 200], "a bio that long is refused, and the pages still come"
    # Over the route's limit: read and dropped, refused with 413, and the connection goes on.
    big = b'{"bio":"' + b"y" * 70_000 + b'"}'
    connection.send(b"PATCH /api/v1/me HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s" % (host.encode(), len(big), big)
                    + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, body = connection.answer()
    assert status == 413 and '"too_large"' in body
    assert connection.answer()[0] == 200
    connection.close()


def test_heads_split_over_packets_and_pipelined_mixes_are_answered_in_order(server, host):
    connection = Connection(server)
    form = b"toggle=theatre&returnTo=/host"
    raw = (b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n"
           b"POST /layout HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(form), form)
           + b"GET /host HTTP/1.1\r\nHost: t\r\nCookie: metropole_session=%s\r\n\r\n" % host.encode()
           + b"GET /css/app.css HTTP/1.1\r\nHost: t\r\n\r\n"
           + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    connection.send_split(raw)
    answers = [connection.answer() for _ in range(5)]
    assert [status for status, _, _ in answers] == [200, 303, 200, 200, 200]
    assert cached(answers[0][1]) and cached(answers[4][1])
    assert "menu-name" in answers[2][2] and not cached(answers[2][1]), "the session's own page"
    assert answers[3][1]["content-type"].startswith("text/css")
    connection.close()


def test_a_close_request_is_the_last_answered(server, host):
    connection = Connection(server)
    connection.send(b"GET /host HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n"
                    b"GET /api/v1/streams HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, _ = connection.answer()
    assert status == 200 and headers["connection"] == "close"
    assert connection.closed_after(), "nothing is answered after a close"
    connection.close()


@pytest.mark.parametrize("framing", [
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",       # CL.TE
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",       # TE.CL
    b"Content-Length: 5\r\nContent-Length: 6\r\n",                # two lengths
    b"Transfer-Encoding: gzip, chunked\r\nTransfer-Encoding: x\r\n",
])
def test_ambiguous_framing_is_refused_with_a_400_and_the_connection_closes(server, host, framing):
    connection = Connection(server)
    connection.send(b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\n" + framing + b"\r\n0\r\n\r\n"
                    b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, _ = connection.answer()
    assert status == 400 and headers["connection"] == "close"
    assert connection.closed_after()
    connection.close()
    assert server.api("GET", "/streams")[0] == 200


def test_half_open_heads_do_not_stop_the_server(server, host):
    idle = []
    for _ in range(300):
        sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
        sock.sendall(b"GET /host HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        idle.append(sock)
    connection = Connection(server)
    connection.get("/host")
    assert connection.answer()[0] == 200
    connection.close()
    for sock in idle:
        sock.close()


def test_cookies_are_read_as_vapor_reads_them(server, host):
    connection = Connection(server)
    # `,` separates cookies and tabs are trimmed, as Vapor's parser does: this is a session.
    connection.get("/host", f"Cookie: theme=dark,\tmetropole_session={host}\r\n")
    status, headers, body = connection.answer()
    assert status == 200 and not cached(headers) and "menu-name" in body
    # An empty session cookie is no session: the guests' page.
    connection.get("/host", "Cookie: metropole_session=\r\n")
    status, headers, body = connection.answer()
    assert status == 200 and cached(headers) and "Sign in" in body
    # A layout cookie gets the page in that layout, cached per layout.
    for _ in range(2):
        connection.get("/host", "Cookie: theme=x; metropole_layout=nochat.theatre\r\n")
        status, headers, body = connection.answer()
        assert status == 200 and "is-theatre" in body and "is-chat-hidden" in body
    assert cached(headers)
    connection.close()


def test_guests_never_get_a_page_the_listings_have_moved_past(server, host):
    connection = Connection(server)
    connection.get("/host")
    assert cached(connection.answer()[1])
    assert server.api("PATCH", "/me/stream", {"title": "Harbour at dawn"}, token=host)[0] == 200
    # The very next view has the new title: no stale rendering is served while a new one is made.
    connection.get("/host")
    status, headers, body = connection.answer()
    assert status == 200 and "Harbour at dawn" in body and "Night" not in body
    connection.close()


def test_refused_upgrades_end_the_connection_and_accepted_ones_switch(server, host):
    upgrade = ("GET /api/v1/streams/{}/chat HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
               "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
    # Refused with a request pipelined behind it: the refusal says close, and the request behind
    # it is not left waiting on an open connection.
    refused = Connection(server)
    refused.send(upgrade.format("nobody").encode() + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    status, headers, _ = refused.answer()
    assert status == 404 and headers["connection"] == "close"
    assert refused.closed_after()
    refused.close()
    # A page, then an upgrade on the same connection: the 101 and the chat's first frame.
    connection = Connection(server)
    connection.get("/host")
    assert cached(connection.answer()[1])
    connection.send(upgrade.format("host").encode())
    while b"\r\n\r\n" not in connection.pending:
        connection._receive()
    head, connection.pending = connection.pending.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101")
    while not connection.pending:
        connection._receive()
    assert connection.pending[0] == 0x81, "a text frame: the chat's hello"
    connection.close()


def test_http_1_0_and_head_are_answered(server, host):
    old = Connection(server)
    old.send(b"GET /host HTTP/1.0\r\n\r\n")
    status, headers, body = old.answer()
    assert status == 200 and "Night" in body
    assert old.closed_after(), "HTTP/1.0 without keep-alive closes after the answer"
    old.close()
    head = Connection(server)
    head.send(b"HEAD /api/v1/streams HTTP/1.1\r\nHost: t\r\n\r\nGET /api/v1/users/host HTTP/1.1\r\nHost: t\r\n\r\n")
    while b"\r\n\r\n" not in head.pending:
        head._receive()
    first, head.pending = head.pending.split(b"\r\n\r\n", 1)
    assert first.startswith(b"HTTP/1.1 200") and b"content-length:" in first.lower()
    status, _, body = head.answer()
    assert status == 200 and '"host"' in body, "no body was sent for the HEAD"
    head.close()
