"""Running Metropole as a production service: the OpenAPI document checked by schemathesis
against the real binary, Prometheus metrics moving with a real RTMP publish and viewer,
JSON logs, and the admin CLI."""
import json
import os
import subprocess
import sys
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from harness import binaries
from harness.media import publish
from harness.processes import wait_until
from harness.server import Server

METRICS_TOKEN = "e2e-metrics-token-0123456789"


@pytest.fixture
def ops_server(data_dir):
    # WHIP on, so its offers are parsed for real (WHIP off is a Swift test: 404, never 5xx).
    instance = Server(data_dir, env={
        "METROPOLE_METRICS_TOKEN": METRICS_TOKEN, "LOG_FORMAT": "json", "LOG_LEVEL": "info",
    }).start()
    yield instance
    instance.stop()


def scrape(server):
    """{(name, labels as a sorted tuple): value} of every sample /metrics has now."""
    request = urllib.request.Request(server.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def grant_admin(server, username):
    """`metropole admin grant`, run beside the server on its data directory."""
    env = dict(os.environ, METROPOLE_DATA_DIR=server.data_dir, METROPOLE_RTMP_PORT="0", METROPOLE_WEBRTC_UDP_PORT="0")
    return subprocess.run([binaries.metropole(), "admin", "grant", username], env=env, capture_output=True,
                          text=True, timeout=60)


def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_document(ops_server, tmp_path):
    # An admin, so the admin routes are exercised too (their refusals have Swift tests).
    token = ops_server.sign_up("fuzzer")
    assert grant_admin(ops_server, "fuzzer").returncode == 0
    # Some data for the routes to find: a stream key, a follow target.
    ops_server.ingress(token)
    ops_server.sign_up("neighbour")
    schema = ops_server.url + "/api/v1/openapi.json"
    with urllib.request.urlopen(schema, timeout=10) as response:
        assert json.load(response)["openapi"] == "3.1.0"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", schema, "--url", ops_server.url,
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples", "20", "--seed", "15", "--workers", "1", "--request-timeout", "10",
        "--phases", "examples,coverage,fuzzing", "--no-shrink",
        "-H", f"Authorization: Bearer {token}",
        # Not fuzzable: an endless event stream, and the one call that ends the run's own session
        # (both covered by their own tests).
        "--exclude-path", "/api/v1/events",
        "--exclude-operation-id", "deleteSessionsCurrent",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    # Run from the test's own folder: hypothesis and schemathesis keep their state in the cwd.
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path,
                            env=dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", NO_COLOR="1",
                                     PYTHONPATH=os.path.dirname(os.path.abspath(__file__))))
    output = result.stdout[-12000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    print(output[-2500:])  # the summary, for `pytest -s`


def test_metrics_move_when_a_stream_goes_live_and_a_viewer_joins(ops_server):
    before = scrape(ops_server)
    assert value(before, "metropole_live_streams", protocol="rtmp", provider="builtin") == 0
    assert value(before, "metropole_viewers", transport="websocket") == 0

    token, url = ops_server.channel("caster")
    publisher = publish(url)
    try:
        assert wait_until(lambda: ops_server.is_live("caster"), 20), "the stream went live"
        live = wait_until(lambda: (lambda s: s if (value(s, "metropole_ingest_bitrate_bits_per_second", channel="caster") or 0) > 0 else None)(scrape(ops_server)), 20)
        assert live, "a bitrate for the stream"
        assert value(live, "metropole_live_streams", protocol="rtmp", provider="builtin") == 1
        assert value(live, "metropole_ingest_frames_dropped", channel="caster") is not None
        with connect(ops_server.ws_url("caster", viewer="metrics-viewer"), max_size=None) as socket:
            socket.recv(timeout=10)  # the init segment: the viewer is in
            watching = wait_until(lambda: (lambda s: s if value(s, "metropole_viewers", transport="websocket") == 1 else None)(scrape(ops_server)), 10)
            assert watching, "the viewer counted"
        # HTTP metrics carry the route pattern, never the raw path.
        paths = {dict(labels).get("path") for (name, labels) in live if name == "http_requests_total"}
        assert "/api/v1/streams/:username" in paths, paths
        assert "/api/v1/streams/caster" not in paths
        # Database pool use: a size, leases now and a count that grows with the work done.
        assert value(live, "metropole_database_pool_connections") >= 1
        assert value(live, "metropole_database_connections_in_use") is not None
        assert value(live, "metropole_database_leases_total") > value(before, "metropole_database_leases_total") > 0
    finally:
        publisher.terminate()
        publisher.wait(timeout=10)
    assert wait_until(lambda: value(scrape(ops_server), "metropole_live_streams", protocol="rtmp", provider="builtin") == 0, 20)
    assert not any(name == "metropole_ingest_bitrate_bits_per_second" for (name, _) in scrape(ops_server)), "no stale series"


def test_metrics_answer_404_without_a_token_configured(server):
    status = None
    try:
        urllib.request.urlopen(server.url + "/metrics", timeout=5)
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 404


def test_json_logs_are_one_object_per_line_with_the_request_id(ops_server):
    request_id = None
    try:
        urllib.request.urlopen(ops_server.url + "/api/v1/streams/nobody", timeout=5)
    except urllib.error.HTTPError as error:
        request_id = error.headers["X-Request-ID"]
    assert request_id

    def entries():
        with open(ops_server.log_path, encoding="utf-8") as log:
            return [json.loads(line) for line in log.read().splitlines() if line.strip()]  # every line parses

    logged = wait_until(lambda: [e for e in entries() if e.get("request_id") == request_id], 10)
    assert logged, entries()[-5:]
    for entry in entries():
        assert {"time", "level", "label", "message"} <= entry.keys(), entry
    assert logged[0]["level"] in ("info", "notice", "debug")


def test_admin_cli_grants_and_the_admin_suspends_through_the_api(data_dir):
    server = Server(data_dir).start()
    try:
        admin = server.sign_up("operator")
        victim = server.sign_up("victim")
        status, _ = server.api("GET", "/admin/users", token=admin)
        assert status == 403
        granted = grant_admin(server, "operator")
        assert granted.returncode == 0, granted.stderr + granted.stdout
        assert "operator is now an admin" in granted.stdout
        missing = grant_admin(server, "nobody")
        assert missing.returncode != 0 and "nobody" in missing.stdout + missing.stderr

        status, users = server.api("GET", "/admin/users?q=vic", token=admin)
        assert status == 200 and [user["username"] for user in users] == ["victim"]
        status, body = server.api("PUT", "/admin/users/victim/suspension", {"reason": "spam"}, token=admin)
        assert status == 200 and body["user"]["suspensionReason"] == "spam"
        status, _ = server.api("GET", "/me", token=victim)
        assert status == 401
        status, body = server.api("POST", "/sessions", {"username": "victim", "password": "password123"})
        assert status == 403 and body["error"]["code"] == "account_suspended"
        status, _ = server.api("GET", "/streams/victim")
        assert status == 404
        status, audit = server.api("GET", "/admin/audit", token=admin)
        assert [entry["action"] for entry in audit] == ["suspend", "grant"]
    finally:
        server.stop()


def test_suspension_closes_the_users_open_chat_and_their_token_becomes_a_guests(data_dir):
    from test_chat import Chat

    server = Server(data_dir).start()
    try:
        admin = server.sign_up("operator")
        assert grant_admin(server, "operator").returncode == 0
        server.sign_up("Host")
        bea_token = server.sign_up("Bea")
        bea = Chat(server, "Host", bea_token)
        assert bea.hello["you"]["canChat"]
        status, _ = server.api("PUT", "/admin/users/Bea/suspension", {"reason": "spam"}, token=admin)
        assert status == 200
        ejected = bea.next("kicked", timeout=3)
        assert ejected["reason"] == "suspended"
        again = Chat(server, "Host", bea_token)
        assert not again.hello["you"]["canChat"] and again.hello["you"].get("username") is None
        assert again.error("hello")["code"] == "not_signed_in"
    finally:
        server.stop()


def test_suspension_cuts_a_live_rtmp_stream_and_refuses_its_key(data_dir):
    server = Server(data_dir).start()
    try:
        admin = server.sign_up("operator")
        assert grant_admin(server, "operator").returncode == 0
        _, url = server.channel("caster")
        publisher = publish(url)
        try:
            assert wait_until(lambda: server.is_live("caster"), 20)
            status, live = server.api("GET", "/admin/streams", token=admin)
            assert status == 200 and [stream["username"] for stream in live] == ["caster"]
            status, _ = server.api("PUT", "/admin/users/caster/suspension", {"reason": "rules"}, token=admin)
            assert status == 200
            assert wait_until(lambda: server.api("GET", "/admin/streams", token=admin)[1] == [], 10), "the stream ended"
            assert publisher.wait(timeout=15) is not None, "ffmpeg was disconnected"
        finally:
            if publisher.poll() is None:
                publisher.terminate()
                publisher.wait(timeout=10)
        # The same key, published again, is refused while suspended.
        retry = publish(url, loop=False, seconds=3)
        try:
            assert retry.wait(timeout=20) != 0, "the publish was refused"
        finally:
            if retry.poll() is None:
                retry.terminate()
                retry.wait(timeout=10)
        assert server.api("GET", "/admin/streams", token=admin)[1] == []
    finally:
        server.stop()
