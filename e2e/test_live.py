"""Live video end to end with real peers: ffmpeg publishes RTMP, ffprobe/ffmpeg check what we
serve over WebSocket and LL-HLS, Chromium plays the channel page."""
import re
import signal
import time

import pytest
from websockets.sync.client import connect

from harness.jsonhttp import get_json
from harness.media import decode_errors, probe, publish
from harness.processes import wait_until


@pytest.fixture
def channel(server):
    """A user with a stream key: (server, username, token, rtmp publish URL)."""
    status, _ = server.api("POST", "/users", {"username": "Caster", "password": "password123"})
    assert status == 201
    _, session = server.api("POST", "/sessions", {"username": "caster", "password": "password123"})
    token = session["token"]
    status, ingress = server.api("POST", "/me/ingress", {"protocol": "rtmp"}, token=token)
    assert status == 201, ingress
    assert ingress["serverUrl"] == f"rtmp://127.0.0.1:{server.rtmp_port}/live"
    assert len(ingress["streamKey"]) >= 22
    return server, "Caster", token, f"{ingress['serverUrl']}/{ingress['streamKey']}"


def is_live(server, username="Caster"):
    return server.is_live(username)


def record_socket(server, seconds, username="Caster", viewer="recorder-1"):
    """Reads the WebSocket feed for `seconds`; returns (messages, bytes, text frames)."""
    messages, texts = [], []
    with connect(f"ws://127.0.0.1:{server.http_port}/live/{username}/ws?viewer={viewer}", max_size=None) as socket:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                message = socket.recv(timeout=max(deadline - time.monotonic(), 0.01))
            except TimeoutError:
                break
            (texts if isinstance(message, str) else messages).append(message)
    return messages, texts


def test_publish_goes_live_and_websocket_feed_is_valid_fmp4(channel, tmp_path):
    server, username, token, url = channel
    assert not is_live(server)
    publisher = publish(url)
    try:
        started = time.monotonic()
        assert wait_until(lambda: is_live(server), timeout=5), "stream did not go live"
        print(f"live after {time.monotonic() - started:.2f} s")
        messages, texts = record_socket(server, 4)
        assert messages[0][4:8] == b"ftyp", "first message is the init segment"
        assert b"moov" in messages[0]
        assert all(m[4:8] == b"moof" for m in messages[1:]), "every other message starts with moof"
        path = tmp_path / "ws.mp4"
        path.write_bytes(b"".join(messages))
        info = probe(str(path))
        codecs = sorted(s["codec_name"] for s in info["streams"])
        assert codecs == ["aac", "h264"]
        video = next(s for s in info["streams"] if s["codec_name"] == "h264")
        assert (video["width"], video["height"]) == (1280, 720)
        # The recording starts at the cached keyframe, so it holds 4 s plus up to one GOP (1 s).
        duration = float(info["format"]["duration"]) - float(info["format"]["start_time"])
        assert 3.0 <= duration <= 6.5, duration
        code, errors = decode_errors(str(path))
        assert code == 0 and not errors.strip(), errors

        # The dashboard's health figures come from the running stream.
        status, health = get_json(f"{server.url}/api/v1/me/stream/health", token)
        assert status == 200 and health["isLive"]
        assert health["videoCodec"].startswith("avc1.") and health["audioCodec"] == "mp4a.40.2"
        assert (health["width"], health["height"]) == (1280, 720)
        assert 25 <= health["frameRate"] <= 35
        assert 1_000_000 <= health["bitrate"] <= 5_000_000
        assert 0.9 <= health["keyframeInterval"] <= 1.1
    finally:
        publisher.terminate()
        publisher.wait()
    # A clean unpublish takes the channel offline within 3 s.
    stopped = time.monotonic()
    assert wait_until(lambda: not is_live(server), timeout=3), "still live 3 s after the publisher left"
    print(f"offline after {time.monotonic() - stopped:.2f} s")


def test_ll_hls_is_playable_by_ffmpeg(channel, tmp_path):
    server, username, token, url = channel
    publisher = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        playlist_url = f"{server.url}/live/{username}/index.m3u8"
        import urllib.request
        time.sleep(2.5)
        with urllib.request.urlopen(playlist_url) as response:
            assert response.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
            text = response.read().decode()
        for tag in ("#EXT-X-PART-INF:PART-TARGET=", "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES",
                    "#EXT-X-PART:", "INDEPENDENT=YES", "#EXT-X-PRELOAD-HINT:TYPE=PART", '/init.mp4"'):
            assert tag in text, tag
        # Every resource is listed under this broadcast's token (decision 0051).
        broadcast = re.search(r'#EXT-X-MAP:URI="([0-9a-z]{13})/init.mp4"', text).group(1)
        # Blocking reload: ask for the next media sequence number; the answer waits for it.
        last_msn = max(int(line.split("seg")[1].split(".")[0]) for line in text.splitlines() if line.startswith(f"{broadcast}/seg"))
        started = time.monotonic()
        with urllib.request.urlopen(f"{playlist_url}?_HLS_msn={last_msn + 1}&_HLS_part=0", timeout=10) as response:
            blocked = response.read().decode()
        assert f'"{broadcast}/part{last_msn + 1}.0.m4s"' in blocked
        assert time.monotonic() - started < 4
        code, errors = decode_errors(playlist_url, seconds=4)
        assert code == 0, errors
        assert "error" not in errors.lower(), errors
    finally:
        publisher.terminate()
        publisher.wait()


def test_unknown_key_is_refused_and_nothing_goes_live(channel):
    server, username, token, url = channel
    bad = url.rsplit("/", 1)[0] + "/not-the-key"
    publisher = publish(bad, loop=False, seconds=3)
    code = publisher.wait(timeout=20)
    assert code != 0, "ffmpeg should fail to publish with a wrong key"
    assert not is_live(server)
    status, _ = get_json(f"{server.url}/live/{username}/index.m3u8")
    assert status == 404


def test_killed_publisher_goes_offline_within_3_seconds(channel):
    server, username, token, url = channel
    publisher = publish(url)
    assert wait_until(lambda: is_live(server), timeout=5)
    time.sleep(1)
    publisher.send_signal(signal.SIGKILL)
    publisher.wait()
    killed = time.monotonic()
    assert wait_until(lambda: not is_live(server), timeout=3), "still live 3 s after kill -9"
    print(f"offline {time.monotonic() - killed:.2f} s after kill -9")


def test_new_key_disconnects_the_running_publisher(channel):
    server, username, token, url = channel
    publisher = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        status, ingress = server.api("POST", "/me/ingress", {"protocol": "rtmp"}, token=token)
        assert status == 201 and ingress["streamKey"] not in url
        assert wait_until(lambda: not is_live(server), timeout=3)
        assert wait_until(lambda: publisher.poll() is not None, timeout=5), "ffmpeg still connected with the old key"
        # The new key works.
        second = publish(f"{ingress['serverUrl']}/{ingress['streamKey']}")
        try:
            assert wait_until(lambda: is_live(server), timeout=5)
        finally:
            second.terminate()
            second.wait()
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()


def test_same_key_takes_over_from_the_old_connection(channel):
    server, username, token, url = channel
    first = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        second = publish(url)
        try:
            assert wait_until(lambda: first.poll() is not None, timeout=5), "old connection was not closed"
            time.sleep(1)
            assert is_live(server), "the new publisher keeps the channel live"
        finally:
            second.terminate()
            second.wait()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


def test_viewer_count_counts_people_and_end_message(channel):
    server, username, token, url = channel
    publisher = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        base = f"ws://127.0.0.1:{server.http_port}/live/{username}/ws"
        with connect(base + "?viewer=person-one", max_size=None), connect(base + "?viewer=person-one", max_size=None):
            assert wait_until(lambda: get_json(f"{server.url}/api/v1/streams/{username}")[1]["viewerCount"] == 1, 3)
            with connect(base + "?viewer=person-two", max_size=None):
                assert wait_until(lambda: get_json(f"{server.url}/api/v1/streams/{username}")[1]["viewerCount"] == 2, 3)
        assert wait_until(lambda: get_json(f"{server.url}/api/v1/streams/{username}")[1]["viewerCount"] == 0, 3)
        # A viewer connected when the stream ends gets {"type":"end"} before the close.
        with connect(base + "?viewer=person-three", max_size=None) as socket:
            socket.recv(timeout=5)
            publisher.terminate()
            publisher.wait()
            deadline = time.monotonic() + 5
            texts = []
            while time.monotonic() < deadline:
                try:
                    message = socket.recv(timeout=1)
                except Exception:
                    break
                if isinstance(message, str):
                    texts.append(message)
            assert '{"type":"end"}' in texts
    finally:
        if publisher.poll() is None:
            publisher.terminate()
            publisher.wait()


def test_chromium_plays_the_channel_page_near_the_live_edge(channel, browser):
    server, username, token, url = channel
    publisher = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        browser.get(f"{server.url}/{username}")
        play = lambda: browser.execute_script("const v = document.querySelector('video'); return v && v.currentTime;")
        assert wait_until(lambda: (play() or 0) > 1.0, timeout=15), "video did not start"
        first = play()
        time.sleep(2)
        assert play() > first + 1.0, "video time does not advance"
        latency = browser.execute_script(
            "const v = document.querySelector('video'); const b = v.buffered; return b.length ? b.end(b.length-1) - v.currentTime : null;")
        print(f"player buffer behind live edge: {latency:.2f} s")
        assert latency is not None and latency < 1.0
        badge = browser.execute_script("return document.querySelector('[data-live-badge]').hidden")
        assert badge is False
    finally:
        publisher.terminate()
        publisher.wait()
    # The page learns the stream ended without a reload.
    assert wait_until(lambda: browser.execute_script(
        "return document.querySelector('.player-offline').hidden === false && document.querySelector('[data-live-badge]').hidden"), 5)


def test_channel_page_goes_live_without_reload(channel, browser):
    server, username, token, url = channel
    browser.get(f"{server.url}/{username}")
    assert browser.execute_script("return document.querySelector('[data-live-badge]').hidden") is True
    time.sleep(0.5)
    publisher = publish(url)
    try:
        assert wait_until(lambda: browser.execute_script("return document.querySelector('[data-live-badge]').hidden") is False, 8)
        assert wait_until(lambda: (browser.execute_script("return document.querySelector('video').currentTime") or 0) > 0.5, 15)
    finally:
        publisher.terminate()
        publisher.wait()


def test_kick_closes_the_player_at_once_and_refuses_it_again(channel):
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    server, username, token, url = channel
    assert server.api("POST", "/users", {"username": "Rowdy", "password": "password123"})[0] == 201
    rowdy = server.api("POST", "/sessions", {"username": "rowdy", "password": "password123"})[1]["token"]
    publisher = publish(url)
    try:
        assert wait_until(lambda: is_live(server), timeout=5)
        player = f"ws://127.0.0.1:{server.http_port}/live/{username}/ws"
        with connect(player, additional_headers={"Authorization": f"Bearer {rowdy}"}, max_size=None) as socket:
            socket.recv(timeout=5)
            assert server.api("POST", "/me/kicks/Rowdy", {"seconds": 60}, token=token)[0] == 204
            kicked = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                while time.monotonic() - kicked < 3:
                    socket.recv(timeout=2)
            assert time.monotonic() - kicked < 1.0
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4003
        with pytest.raises(InvalidStatus) as refused:
            connect(player, additional_headers={"Authorization": f"Bearer {rowdy}"})
        assert refused.value.response.status_code == 403
        status, _ = get_json(f"{server.url}/live/{username}/index.m3u8", rowdy)
        assert status == 403
    finally:
        publisher.terminate()
        publisher.wait()
