"""The guest-page front door (decision 0014) against the real binary, over raw sockets: it
answers cached guest pages from the bytes, lends every other plain GET to Vapor and opens
again, gives the connection to Vapor for anything else, and never reads a request's framing
differently from Vapor's parser. Its answers are the ones without an `x-request-id` header
(Vapor adds one to every answer it writes)."""
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
        assert "transfer-encoding" not in headers, "every answer here has a length"
        length = int(headers.get("content-length", "0"))
        while len(self.pending) < length:
            self._receive()
        body, self.pending = self.pending[:length], self.pending[length:]
        return status, headers, body.decode("utf-8", "replace")

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
    return token


def by_door(headers):
    return "x-request-id" not in headers


def test_pipelined_guest_requests_come_back_in_order(server, host):
    warm = Connection(server)
    warm.get("/host")
    assert warm.answer()[0] == 200  # rendered by the application, now cached
    connection = Connection(server)
    # A page, an asset, the page, the API, home, the page: all sent before any answer is read.
    paths = ["/host", "/css/app.css", "/host", "/api/v1/streams", "/", "/host"]
    connection.send(b"".join(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode() for path in paths))
    answers = [connection.answer() for _ in paths]
    assert [status for status, _, _ in answers] == [200] * len(paths)
    kinds = [headers["content-type"].split(";")[0] for _, headers, _ in answers]
    assert kinds == ["text/html", "text/css", "text/html", "application/json", "text/html", "text/html"]
    for index in (0, 2, 5):
        _, headers, body = answers[index]
        assert "Night &lt;b&gt;market&lt;/b&gt; walk" in body and "<b>market" not in body
    assert '"host"' in answers[3][2]
    assert by_door(answers[0][1]), "a cached page is the door's"
    assert not by_door(answers[1][1]) and not by_door(answers[3][1]), "assets and the API are Vapor's"
    assert by_door(answers[5][1]), "the door opens again after lending a request to Vapor"
    assert answers[0][2] == answers[2][2] == answers[5][2]
    connection.close()
    warm.close()


def test_signed_in_visitors_get_their_own_page_on_a_guest_connection(server, host):
    connection = Connection(server)
    connection.get("/host")
    connection.answer()
    connection.get("/host")
    status, headers, body = connection.answer()
    assert status == 200 and by_door(headers) and "Sign in" in body
    connection.get("/host", f"Cookie: metropole_session={host}\r\n")
    status, headers, body = connection.answer()
    assert status == 200 and not by_door(headers)
    assert "Sign in" not in body and "menu-name" in body, "the session's own page, not the guests'"
    connection.get("/host")  # the session's request was lent: the door answers guests again
    status, headers, body = connection.answer()
    assert status == 200 and by_door(headers) and "Sign in" in body
    connection.close()


def test_a_new_title_reaches_guests_at_the_door(server, host):
    connection = Connection(server)
    for _ in range(2):
        connection.get("/host")
        connection.answer()
    assert server.api("PATCH", "/me/stream", {"title": "Harbour at dawn"}, token=host)[0] == 200
    deadline = time.monotonic() + 5
    while True:
        connection.get("/host")
        status, headers, body = connection.answer()
        assert status == 200
        if "Harbour at dawn" in body:
            break
        assert time.monotonic() < deadline, "guests still see the old title"
        time.sleep(0.05)
    connection.get("/host")
    status, headers, body = connection.answer()
    assert by_door(headers) and "Harbour at dawn" in body and "Night" not in body
    connection.close()


def test_requests_with_bodies_or_odd_framing_are_vapors(server, host):
    warm = Connection(server)
    warm.get("/host")
    warm.answer()
    # A GET with a chunked body, then a plain GET in the same packet: if the door misread the
    # framing it would answer the chunk terminator as a request.
    smuggle = Connection(server)
    smuggle.send(b"GET /host HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                 b"GET /api/v1/users/host HTTP/1.1\r\nHost: test\r\n\r\n")
    first, second = smuggle.answer(), smuggle.answer()
    assert first[0] == 200 and not by_door(first[1])
    assert second[0] == 200 and second[1]["content-type"].startswith("application/json")
    smuggle.close()
    # A header line without a colon: the door does not answer it; Vapor's parser refuses it
    # (NIO closes the connection, or answers 400).
    bad = Connection(server)
    bad.send(b"GET /host HTTP/1.1\r\nHost: test\r\nno colon here\r\n\r\n")
    try:
        status, headers, _ = bad.answer()
        assert status == 400 and not by_door(headers)
    except AssertionError as error:
        assert "closed the connection" in str(error)
    bad.close()
    assert server.api("GET", "/streams")[0] == 200
    # A form post after a page: lent to Vapor with its body, and the connection stays correct.
    form = Connection(server)
    form.get("/host")
    assert by_door(form.answer()[1])
    body = b"toggle=theatre&returnTo=/host"
    form.send(b"POST /layout HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    status, headers, _ = form.answer()
    assert status in (302, 303) and "metropole_layout=theatre" in headers.get("set-cookie", "")
    form.get("/host", "Cookie: metropole_layout=theatre\r\n")
    status, headers, body = form.answer()
    assert status == 200 and "is-theatre" in body and not by_door(headers)
    form.close()
    # HTTP/1.0 and HEAD are Vapor's too.
    old = Connection(server)
    old.send(b"GET /host HTTP/1.0\r\n\r\n")
    status, headers, _ = old.answer()
    assert status == 200 and not by_door(headers)
    old.close()
    warm.close()


def test_a_layout_cookie_gets_the_page_in_that_layout_at_the_door(server, host):
    connection = Connection(server)
    for _ in range(2):
        connection.get("/host", "Cookie: theme=x; metropole_layout=nochat.theatre\r\n")
        status, headers, body = connection.answer()
        assert status == 200 and "is-theatre" in body and "is-chat-hidden" in body
    assert by_door(headers), "the second one came from the door"
    connection.get("/host")
    status, headers, body = connection.answer()
    assert "is-theatre" not in body
    connection.close()


def test_pipelined_requests_with_bodies_and_sessions_are_answered_in_order(server, host):
    """Vapor's HTTP/1 server traps on a pipelined request that arrives while it answers an
    earlier one; the door passes them on one at a time, bodies included."""
    connection = Connection(server)
    form = b"toggle=theatre&returnTo=/host"
    login = b'{"username":"host","password":"password123"}'
    connection.send(
        b"POST /layout HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(form), form)
        + b"GET /host HTTP/1.1\r\nHost: t\r\nCookie: metropole_session=%s\r\n\r\n" % host.encode()
        + b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(login), login)
        + b"GET /css/app.css HTTP/1.1\r\nHost: t\r\n\r\n"
        + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    answers = [connection.answer() for _ in range(5)]
    assert [status for status, _, _ in answers] == [303, 200, 201, 200, 200]
    assert "menu-name" in answers[1][2] and '"token"' in answers[2][2]
    assert answers[3][1]["content-type"].startswith("text/css") and "Sign in" in answers[4][2]
    # A body split over several packets still reaches Vapor whole, and the door reopens after.
    connection.send(b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(login), login[:10]))
    time.sleep(0.2)
    connection.send(login[10:] + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    assert connection.answer()[0] == 201
    status, headers, body = connection.answer()
    assert status == 200 and "Night" in body
    connection.close()
    assert server.api("GET", "/streams")[0] == 200, "the server is still up"


def test_upgrades_are_lent_and_the_door_leaves_after_the_switch(server, host):
    upgrade = ("GET /api/v1/streams/{}/chat HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
               "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
    # Refused, with a request pipelined behind it: answered, and the server stays up. (NIO's
    # parser reads nothing more as HTTP after an upgrade request, refused or not: the page
    # behind it is never answered, with or without the door.)
    refused = Connection(server)
    refused.send(upgrade.format("nobody").encode() + b"GET /host HTTP/1.1\r\nHost: t\r\n\r\n")
    assert refused.answer()[0] == 404
    refused.close()
    assert server.api("GET", "/streams")[0] == 200
    # A page from the door, then an upgrade on the same connection: the 101 and the chat's
    # first frame (a text frame) come through.
    connection = Connection(server)
    for _ in range(2):
        connection.get("/host")
        status, headers, _ = connection.answer()
    assert status == 200 and by_door(headers)
    connection.send(upgrade.format("host").encode())
    while b"\r\n\r\n" not in connection.pending:
        connection._receive()
    head, connection.pending = connection.pending.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101")
    while not connection.pending:
        connection._receive()
    assert connection.pending[0] == 0x81, "a text frame: the chat's hello"
    connection.close()
