"""WHIP ingest end to end (issue 12) with WebRTC stacks nobody here wrote: aiortc (libsrtp
inside) publishes H.264 + Opus through the real HTTP endpoint and UDP port; viewers get the
same WebSocket fMP4 and LL-HLS as for RTMP, checked by ffprobe and ffmpeg. OBS- and
ffmpeg-shaped offers are answered with the role they need. Everything on 127.0.0.1."""
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from harness import ROOT
from harness.media import codecs, decode_errors
from harness.processes import wait_until
from test_live import record_socket

PEER = os.path.join(ROOT, "Tests", "MetropoleWebRTCTests", "Peers", "aiortc_publisher.py")
OFFERS = os.path.join(ROOT, "Tests", "MetropoleWebRTCTests", "Fixtures", "offers")


@pytest.fixture
def whip(server):
    """A creator with a WHIP ingress: (server, token, serverUrl, streamKey)."""
    token = server.sign_up("Beamer")
    status, ingress = server.api("POST", "/me/ingress", {"protocol": "whip"}, token)
    assert status == 201, ingress
    assert ingress["protocol"] == "whip" and ingress["serverUrl"] == f"{server.url}/api/v1/whip"
    return server, token, ingress["serverUrl"], ingress["streamKey"]


class Publisher:
    """aiortc as a whole WHIP client (its line protocol: JSON on stdout)."""

    def __init__(self, url, key, seconds=120, *flags):
        self.process = subprocess.Popen(
            ["python3", PEER, f"--whip={url}", f"--key={key}", "--seconds", str(seconds), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines = []

    def next(self, key, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError("aiortc exited: " + self.process.stderr.read()[-2000:])
            message = json.loads(line)
            self.lines.append(message)
            if key in message:
                return message
        raise AssertionError(f"no {key} from aiortc in {timeout} s: {self.lines}")

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(10)


def raw(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_aiortc_goes_live_and_viewers_get_h264_and_opus(whip, tmp_path):
    server, token, url, key = whip
    publisher = Publisher(url, key)
    try:
        answer = publisher.next("status")
        assert answer["status"] == 201, answer
        assert answer["location"].startswith("/api/v1/whip/") and "?" not in answer["location"]
        started = time.monotonic()
        assert wait_until(lambda: server.is_live("Beamer"), timeout=10), "the stream did not go live"
        print(f"WHIP live {time.monotonic() - started:.2f} s after the answer")
        time.sleep(2)
        messages, _ = record_socket(server, 4, username="Beamer")
        assert messages[0][4:8] == b"ftyp" and b"Opus" in messages[0] and b"dOps" in messages[0]
        path = tmp_path / "whip.mp4"
        path.write_bytes(b"".join(messages))
        assert codecs(str(path)) == ["h264", "opus"]
        code, errors = decode_errors(str(path))
        assert code == 0 and not errors.strip(), errors
        # LL-HLS carries the same tracks.
        playlist = f"{server.url}/live/Beamer/index.m3u8"
        assert codecs(playlist) == ["h264", "opus"]
        status, health = server.api("GET", "/me/stream/health", token=token)
        assert status == 200 and health["isLive"] and health["audioCodec"] == "opus"
        assert health["videoCodec"].startswith("avc1.")
        # DELETE ends the stream at once.
        deleted = time.monotonic()
        publisher.stop()
        assert publisher.next("deleted")["deleted"] == 200
        assert wait_until(lambda: not server.is_live("Beamer"), timeout=1.5), "still live after DELETE"
        print(f"offline {time.monotonic() - deleted:.2f} s after DELETE")
    finally:
        publisher.stop(signal.SIGKILL)


def test_a_silent_publisher_ends_by_consent_timeout(data_dir):
    from harness.server import Server
    server = Server(data_dir, env={"METROPOLE_WEBRTC_CONSENT_SECONDS": "3"}).start()
    try:
        token = server.sign_up("Quiet")
        ingress = server.api("POST", "/me/ingress", {"protocol": "whip"}, token)[1]
        publisher = Publisher(ingress["serverUrl"], ingress["streamKey"])
        assert publisher.next("status")["status"] == 201
        assert wait_until(lambda: server.is_live("Quiet"), timeout=10)
        killed = time.monotonic()
        publisher.stop(signal.SIGKILL)  # no DELETE, no close_notify: just silence
        assert wait_until(lambda: not server.is_live("Quiet"), timeout=8), "still live after the publisher vanished"
        print(f"offline {time.monotonic() - killed:.2f} s after the publisher went silent (consent 3 s)")
    finally:
        server.stop()


def test_a_wrong_key_is_refused_and_nothing_goes_live(whip):
    server, _, url, _ = whip
    publisher = Publisher(url, "not-the-key")
    try:
        answer = publisher.next("status")
        assert answer["status"] == 401 and "bad_stream_key" in answer["body"]
        assert not server.is_live("Beamer")
    finally:
        publisher.stop(signal.SIGKILL)


def test_a_new_key_cuts_the_whip_publisher(whip):
    server, token, url, key = whip
    publisher = Publisher(url, key)
    try:
        assert publisher.next("status")["status"] == 201
        assert wait_until(lambda: server.is_live("Beamer"), timeout=10)
        assert server.api("POST", "/me/ingress", {"protocol": "whip"}, token)[0] == 201
        assert wait_until(lambda: not server.is_live("Beamer"), timeout=3), "the old key still streams"
    finally:
        publisher.stop(signal.SIGKILL)


@pytest.mark.parametrize("shape, setup", [("obs", "passive"), ("ffmpeg", "active"), ("aiortc", "passive"), ("chromium", "passive")])
def test_offers_shaped_like_each_client_are_answered(whip, shape, setup):
    server, _, url, key = whip
    with open(os.path.join(OFFERS, f"{shape}.sdp"), "rb") as offer:
        status, headers, body = raw("POST", url, offer.read(), {"Content-Type": "application/sdp", "Authorization": f"Bearer {key}"})
    assert status == 201, body
    assert headers["Content-Type"].startswith("application/sdp") and headers["Location"].startswith("/api/v1/whip/")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "a=ice-lite" in body and f"a=setup:{setup}" in body and "a=candidate:" in body and "127.0.0.1" in body
    assert raw("DELETE", server.url + headers["Location"])[0] == 200


def test_the_endpoint_says_what_is_wrong(whip):
    server, _, url, key = whip
    auth = {"Authorization": f"Bearer {key}"}
    with open(os.path.join(OFFERS, "obs.sdp"), "rb") as offer:
        good = offer.read()
    assert raw("POST", url, good, {"Content-Type": "text/plain", **auth})[0] == 415
    assert raw("POST", url, good, {"Content-Type": "application/sdp"})[0] == 401
    status, _, body = raw("POST", url, b"v=0\r\nthis is not sdp", {"Content-Type": "application/sdp", **auth})
    assert status == 400 and "malformed_offer" in body
    vp8 = good.replace(b"H264", b"VP8")
    status, _, body = raw("POST", url, vp8, {"Content-Type": "application/sdp", **auth})
    assert status == 422 and "H.264" in body
    status, headers, _ = raw("OPTIONS", url)
    assert status == 204 and headers["Accept-Post"] == "application/sdp"
    assert "POST" in headers["Access-Control-Allow-Methods"] and "Authorization" in headers["Access-Control-Allow-Headers"]
    status, headers, _ = raw("POST", url, good, {"Content-Type": "application/sdp", **auth})
    session = server.url + headers["Location"]
    fragment = b"a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
    trickle = {"Content-Type": "application/trickle-ice-sdpfrag", **auth}
    assert raw("PATCH", session, fragment, trickle)[0] == 204
    assert raw("PATCH", session, fragment, {**trickle, "If-Match": "*"})[0] == 422
    assert raw("DELETE", session)[0] == 200
    assert raw("DELETE", session)[0] == 404
    assert raw("PATCH", session, fragment, trickle)[0] == 404
