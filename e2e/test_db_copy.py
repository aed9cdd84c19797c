"""`metropole db copy` from a populated SQLite installation to MariaDB and to PostgreSQL: the
moved site serves the same pages and API answers. Needs the servers scripts/test starts
(METROPOLE_TEST_MYSQL_URL, METROPOLE_TEST_POSTGRES_URL); without them these tests fail loudly
rather than skip, unless METROPOLE_TEST_BACKENDS leaves that backend out."""
import os
import re
import subprocess
import urllib.request

import pytest

from harness.binaries import metropole
from harness.databases import create_database, server_url
from harness.server import Server

def page(server, path):
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        body = response.read().decode()
    # Per-request values (CSRF tokens, request ids) differ between any two requests.
    return re.sub(r'(csrf[^"]*"\s*(content|value)=")[^"]+', r"\1…", body)


def populate(server):
    tokens = {}
    for name in ("Alice_1", "bob_2", "carol_3"):
        status, body = server.api("POST", "/users", {"username": name, "password": "password123"})
        assert status == 201, body
        status, body = server.api("POST", "/sessions", {"username": name, "password": "password123"})
        tokens[name] = body["token"]
    assert server.api("PATCH", "/me", {"bio": "bio with emoji 🦀 and ünïcode"}, token=tokens["bob_2"])[0] == 200
    assert server.api("POST", "/me/ingress", {"protocol": "rtmp"}, token=tokens["Alice_1"])[0] == 201
    return tokens


def snapshot(server, tokens):
    # Sessions are rows too: the tokens issued before the move must still work after it.
    return {
        "home": page(server, "/"),
        "channel": page(server, "/alice_1"),
        "streams": server.api("GET", "/streams?limit=50"),
        "search": server.api("GET", "/streams?q=ALICE"),
        "stream": server.api("GET", "/streams/alice_1"),
        "user": server.api("GET", "/users/BOB_2"),
        "me": server.api("GET", "/me", token=tokens["bob_2"]),
        "ingress": server.api("GET", "/me/ingress", token=tokens["Alice_1"]),
    }


def copy(source, target, *extra):
    return subprocess.run([metropole(), "db", "copy", "--from", source, "--to", target, *extra],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "METROPOLE_RTMP_PORT": "0", "METROPOLE_WEBRTC_UDP_PORT": "0", "LOG_LEVEL": "warning"})


@pytest.mark.parametrize("backend", ["mariadb", "postgres"])
def test_copy_from_sqlite_serves_the_same_site(tmp_path, backend):
    base = server_url(backend)
    data_dir = str(tmp_path / "data")
    original = Server(data_dir).start()
    try:
        tokens = populate(original)
        before = snapshot(original, tokens)
    finally:
        assert original.stop() == 0
    source = "sqlite://" + os.path.join(data_dir, "metropole.sqlite")
    target = create_database(base)

    result = copy(source, target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "users: 3 copied" in result.stdout

    # Running it again resumes: nothing new to copy, nothing duplicated.
    again = copy(source, target)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "users: 0 copied, 3 already there" in again.stdout

    # Same ports: absolute playback and ingest URLs in the answers contain them.
    moved = Server(str(tmp_path / "moved"), http_port=original.http_port, rtmp_port=original.rtmp_port, env={"DATABASE_URL": target}).start()
    try:
        after = snapshot(moved, tokens)
        for key in before:
            assert after[key] == before[key], f"{key} differs on {backend}"
        # Case-insensitive uniqueness holds on the new backend too.
        assert moved.api("POST", "/users", {"username": "ALICE_1", "password": "password123"})[0] == 409
    finally:
        assert moved.stop() == 0

    # A different source into the now non-empty target is refused without --force.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    refused = copy("sqlite://" + str(other_dir / "other.sqlite"), target)
    assert refused.returncode != 0
    assert "--force" in refused.stdout + refused.stderr
