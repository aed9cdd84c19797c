"""Live thumbnails with real peers: ffmpeg publishes, the server decodes a keyframe with
Debian's ffmpeg every METROPOLE_LIVE_THUMBNAIL_SECONDS, cards and the API point at it, and
ffprobe reads what is served. Without ffmpeg on the server's PATH the placeholders stay."""
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from harness.browser import sign_in
from harness.media import publish
from harness.processes import wait_until
from harness.server import Server

USER = "Caster"


def fetch(url, token=None):
    """(status, content type, bytes)."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def thumbnail_url(server):
    stream = server.stream(USER)
    return stream and stream.get("thumbnailUrl")


def is_live_thumbnail(url):
    return bool(url) and url.startswith(f"/live/{USER}/thumbnail.jpg?t=")


def upload_picture(server, token, tmp_path):
    picture = tmp_path / "upload.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=red:size=320x180", "-frames:v", "1", str(picture)], check=True)
    request = urllib.request.Request(server.url + "/api/v1/me/stream/thumbnail", data=picture.read_bytes(), method="PUT")
    request.add_header("Authorization", "Bearer " + token)
    request.add_header("Content-Type", "image/png")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["thumbnailUrl"]


@pytest.fixture
def thumbnail_server(data_dir):
    instance = Server(data_dir, env={"METROPOLE_LIVE_THUMBNAIL_SECONDS": "2"}).start()
    yield instance
    instance.stop()


def test_live_frame_becomes_the_card_thumbnail(thumbnail_server, tmp_path):
    server = thumbnail_server
    token, url = server.channel(USER)
    assert thumbnail_url(server) is None
    status, _, _ = fetch(f"{server.url}/live/{USER}/thumbnail.jpg")
    assert status == 404, "a thumbnail for a channel that is not live"
    publisher = publish(url)
    try:
        assert wait_until(lambda: server.is_live(USER), timeout=8)
        assert wait_until(lambda: is_live_thumbnail(thumbnail_url(server)), timeout=6), thumbnail_url(server)
        first = thumbnail_url(server)

        status, content_type, jpeg = fetch(server.url + first)
        assert status == 200 and content_type == "image/jpeg"
        assert jpeg[:3] == b"\xff\xd8\xff"
        path = tmp_path / "live.jpg"
        path.write_bytes(jpeg)
        probe = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", str(path)],
            check=True, capture_output=True, text=True).stdout)["streams"][0]
        assert (probe["codec_name"], probe["width"], probe["height"]) == ("mjpeg", 640, 360), probe

        # The list, the home page for guests (cached) and the search page name it too, and a
        # fresh picture replaces it about every interval.
        _, cards = server.api("GET", "/streams")
        assert is_live_thumbnail(next(card for card in cards if card["username"] == USER)["thumbnailUrl"])
        home = lambda: fetch(server.url + "/")[2].decode()
        assert wait_until(lambda: f"/live/{USER}/thumbnail.jpg?t=" in home(), timeout=5)
        assert wait_until(lambda: thumbnail_url(server) != first, timeout=6), "the picture was not refreshed"

        # A creator who keeps their upload keeps it while live; turning it off brings frames back.
        uploaded = upload_picture(server, token, tmp_path)
        status, body = server.api("PATCH", "/me/stream", {"keepUploadedThumbnail": True}, token=token)
        assert status == 200 and body["stream"]["keepUploadedThumbnail"] is True, body
        assert body["stream"]["thumbnailUrl"] == uploaded
        assert thumbnail_url(server) == uploaded
        assert wait_until(lambda: f'src="{uploaded}"' in home(), timeout=4)
        assert f"/live/{USER}/thumbnail.jpg" not in home()
        status, body = server.api("PATCH", "/me/stream", {"keepUploadedThumbnail": False}, token=token)
        assert status == 200 and body["stream"]["keepUploadedThumbnail"] is False
        assert is_live_thumbnail(thumbnail_url(server))

        # Blocked viewers get no picture, as they get no playback.
        viewer = server.sign_up("watcher")
        assert fetch(server.url + thumbnail_url(server), token=viewer)[0] == 200
        assert server.api("PUT", "/me/blocked/watcher", token=token)[0] == 204
        assert fetch(server.url + thumbnail_url(server), token=viewer)[0] == 403
    finally:
        publisher.terminate()
        publisher.wait()
    # Offline: the uploaded picture again, and no live one.
    assert wait_until(lambda: not server.is_live(USER), timeout=5)
    assert thumbnail_url(server) == uploaded
    assert fetch(f"{server.url}/live/{USER}/thumbnail.jpg")[0] == 404


def test_dashboard_switch_keeps_the_uploaded_thumbnail(thumbnail_server, browser):
    server = thumbnail_server
    server.channel(USER)
    sign_in(browser, server, USER)
    browser.get(server.url + f"/u/{USER}")
    switch = browser.find_element(By.ID, "keepUploadedThumbnail")
    assert switch.get_attribute("role") == "switch" and not switch.is_selected()
    browser.execute_async_script("""
        const done = arguments[0];
        const app = document.querySelector('script[type=module][src*="/js/app"]');
        import(new URL('./dashboard.js', app.src).href).then(() => done(), () => done());
    """)
    switch.click()
    assert wait_until(lambda: server.stream(USER)["keepUploadedThumbnail"] is True, timeout=5)
    browser.refresh()
    assert browser.find_element(By.ID, "keepUploadedThumbnail").is_selected()


def test_without_ffmpeg_on_path_placeholders_stay_and_the_log_says_why_once(data_dir, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    server = Server(data_dir, env={"METROPOLE_LIVE_THUMBNAIL_SECONDS": "1", "PATH": str(empty)}).start()
    publisher = None
    try:
        _, url = server.channel(USER)
        publisher = publish(url)
        assert wait_until(lambda: server.is_live(USER), timeout=8)
        assert not wait_until(lambda: thumbnail_url(server) is not None, timeout=4), thumbnail_url(server)
        assert fetch(f"{server.url}/live/{USER}/thumbnail.jpg")[0] == 404
    finally:
        if publisher:
            publisher.terminate()
            publisher.wait()
        server.stop()
    with open(server.log_path, errors="replace") as log:
        text = log.read()
    assert text.count("ffmpeg was not found on PATH") == 1, text[-3000:]


def colour_clip(tmp_path, colour, size):
    """A short FLV of one solid colour with a 1 s GOP, as a publisher would send it."""
    path = tmp_path / f"{colour}-{size}.flv"
    subprocess.run([
        "ffmpeg", "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i", f"color=c={colour}:size={size}:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset", "veryfast",
        "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", str(path),
    ], check=True)
    return str(path)


def average_colour(jpeg, tmp_path):
    path = tmp_path / "card.jpg"
    path.write_bytes(jpeg)
    pixel = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", "scale=1:1:flags=area", "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "pipe:1"], check=True, capture_output=True).stdout
    return tuple(pixel)


def test_each_channel_shows_its_own_frame_when_decoded_together(thumbnail_server, tmp_path):
    """Many streams' keyframes go through one ffmpeg run: each card must still get its own."""
    server = thumbnail_server
    channels = {"Red": ("red", "1280x720", 0), "Blue": ("blue", "640x360", 2), "Lime": ("lime", "320x240", 1)}
    publishers = []
    try:
        for name, (colour, size, _) in channels.items():
            _, url = server.channel(name)
            publishers.append(publish(url, path=colour_clip(tmp_path, colour, size)))
        for name in channels:
            assert wait_until(lambda: server.is_live(name), timeout=8), name
        # Several refreshes, so the pictures come from runs holding all three.
        for _ in range(2):
            taken = {name: server.stream(name).get("thumbnailUrl") for name in channels}
            assert wait_until(lambda: all(server.stream(name).get("thumbnailUrl") not in (None, taken[name])
                                          for name in channels), timeout=8), taken
        for name, (colour, _, strongest) in channels.items():
            status, _, jpeg = fetch(server.url + server.stream(name)["thumbnailUrl"])
            assert status == 200
            rgb = average_colour(jpeg, tmp_path)
            assert rgb.index(max(rgb)) == strongest and max(rgb) > 120, (name, colour, rgb)
    finally:
        for publisher in publishers:
            publisher.terminate()
            publisher.wait()


def test_an_open_home_page_takes_newer_pictures_and_a_new_channels_first(thumbnail_server, browser):
    server = thumbnail_server
    _, url = server.channel(USER)
    _, second_url = server.channel("Second")
    publisher = publish(url)
    second = None
    try:
        assert wait_until(lambda: is_live_thumbnail(thumbnail_url(server)), timeout=10)
        browser.get(server.url + "/")
        card_image = lambda name: browser.execute_script(
            "const img = document.querySelector(`.stream-card[data-channel=\"${arguments[0]}\"] .thumb img`);"
            "return img && img.getAttribute('src');", name)
        shown = card_image(USER)
        assert shown and shown.startswith(f"/live/{USER}/thumbnail.jpg?t="), shown
        # The server takes a picture every 2 s; the page, without a reload, follows.
        assert wait_until(lambda: card_image(USER) not in (None, shown), timeout=10), shown
        assert browser.execute_script("return document.body.dataset.cardRefreshSeconds") == "2"
        # A channel just live is listed before its first picture exists: its placeholder card
        # takes the picture when it comes, again without a reload.
        second = publish(second_url)
        assert wait_until(lambda: server.is_live("Second"), timeout=8)
        browser.refresh()
        assert wait_until(lambda: (card_image("Second") or "").startswith("/live/Second/thumbnail.jpg?t="), timeout=10)
        status, content_type, _ = fetch(server.url + card_image("Second"))
        assert (status, content_type) == (200, "image/jpeg")
    finally:
        for process in (publisher, second):
            if process:
                process.terminate()
                process.wait()
