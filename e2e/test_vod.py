"""Recordings and VOD end to end with real peers: ffmpeg publishes RTMP, the broadcast ends,
the API lists the video, ffprobe and ffmpeg read its HLS VOD playlist over HTTP, Chromium plays
and seeks it on the watch page; kill -9 mid-broadcast, delete, blocks, retention, record off."""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from harness.media import decode_errors, publish
from harness.processes import wait_until
from harness.server import Server

SECONDS = 6


def http(url, token=None, headers=None):
    """(status, content type, body) of a GET."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def ffprobe(url):
    """(codec names, seconds from the first to the last timestamp) of a file or URL."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration,start_time", "-of", "json", url],
        check=True, capture_output=True, text=True, timeout=60).stdout
    info = json.loads(out)
    duration = float(info["format"]["duration"]) - float(info["format"].get("start_time") or 0)
    return sorted(s["codec_name"] for s in info["streams"]), duration


def videos(server, username="caster", token=None):
    status, body = server.api("GET", f"/streams/{username}/videos", token=token)
    return body if status == 200 else status


def broadcast(server, url, seconds=SECONDS, username="caster", expected=1, path=None):
    """Publishes `seconds` of the test clip (or `path`) and waits for the recording to be listed."""
    publisher = publish(url, path=path, seconds=seconds)
    try:
        assert wait_until(lambda: server.is_live(username), timeout=10), "stream did not go live"
        assert publisher.wait(timeout=seconds + 15) == 0
    finally:
        if publisher.poll() is None:
            publisher.kill()
    listed = wait_until(lambda: isinstance(v := videos(server, username), list) and len(v) >= expected and v, timeout=15)
    assert listed, f"no video listed: {videos(server, username)}"
    return listed[0]


@pytest.fixture
def channel(server):
    token, url = server.channel("caster")
    return server, token, url


def segment_files(data_dir):
    root = os.path.join(data_dir, "recordings")
    if not os.path.isdir(root):
        return 0
    return sum(name.endswith(".m4s") for folder in os.scandir(root) for name in os.listdir(folder.path))


def recording_dir(server, video):
    return os.path.join(server.data_dir, "recordings", video["id"].lower())


def test_a_broadcast_becomes_an_hls_vod_that_ffmpeg_plays(channel):
    server, token, url = channel
    video = broadcast(server, url)
    # the API
    assert set(video) >= {"id", "title", "startedAt", "durationSeconds", "playlistUrl"}
    assert video["title"] == "caster's stream"
    assert abs(video["durationSeconds"] - SECONDS) <= 1.0, video
    status, one = server.api("GET", f"/videos/{video['id']}")
    assert status == 200 and one == video
    # the playlist and its files, with their types
    status, kind, body = http(video["playlistUrl"])
    playlist = body.decode()
    assert status == 200 and kind == "application/vnd.apple.mpegurl"
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert '#EXT-X-MAP:URI="init-0.mp4"' in playlist
    base = video["playlistUrl"].rsplit("/", 1)[0]
    segments = [line for line in playlist.splitlines() if line.endswith(".m4s")]
    assert len(segments) >= 3
    status, kind, init = http(base + "/init-0.mp4")
    assert status == 200 and kind == "video/mp4" and init[4:8] == b"ftyp"
    middle = segments[len(segments) // 2]
    status, kind, segment = http(base + "/" + middle)
    assert status == 200 and kind == "video/iso.segment" and segment[4:8] == b"moof"
    status, _, part = http(base + "/" + middle, headers={"Range": "bytes=0-99"})
    assert status == 206 and part == segment[:100]
    for bad in ["segments.log", "..%2F..%2Fmetropole.sqlite", "%2e%2e", "init-9.mp4"]:
        assert http(base + "/" + bad)[0] == 404, bad
    # any HLS player: ffprobe finds both tracks and the duration, ffmpeg decodes it cleanly
    codecs, duration = ffprobe(video["playlistUrl"])
    assert codecs == ["aac", "h264"]
    assert abs(duration - video["durationSeconds"]) <= 1.0, (duration, video)
    code, errors = decode_errors(video["playlistUrl"])
    assert code == 0 and not errors.strip(), errors
    # a middle segment alone, with its init segment, is a playable piece (what a seek fetches)
    piece_path = os.path.join(server.data_dir, "probe.mp4")
    with open(piece_path, "wb") as f:
        f.write(init + segment)
    codecs, piece = ffprobe(piece_path)
    assert codecs == ["aac", "h264"] and 0.5 <= piece <= 3.5, piece


def span(path):
    """Seconds from the first packet's presentation time to the end of the last one: what a
    remux holds, wherever its muxer starts the clock (VLC's TS output starts near 0.4 s, and
    ffprobe's format duration of a TS is already end minus start)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "json", path],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    times = [(float(p["pts_time"]), float(p.get("duration_time", 0))) for p in json.loads(out)["packets"] if "pts_time" in p]
    return max(pts + length for pts, length in times) - min(pts for pts, _ in times)


def vlc_remux(url, out_path, start_time=None):
    """VLC (no interface, no window) reads `url` as its HLS player would and writes what it
    demuxed to an MPEG-TS file. VLC refuses to run as root, so root runs it as nobody."""
    command = ["cvlc", "-I", "dummy", "--play-and-exit", "--no-video-title-show", url,
               "--sout", "#std{access=file,mux=ts,dst=" + out_path + "}"]
    if start_time is not None:
        command[1:1] = [f"--start-time={start_time}"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--"] + command
    return subprocess.run(command, capture_output=True, text=True, timeout=90)


@pytest.fixture
def open_folder():
    """A temporary folder that the user VLC runs as (nobody, under root) can write to: pytest's
    own live under a root-only parent."""
    folder = tempfile.mkdtemp(prefix="metropole-vlc-")
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_vlc_plays_the_recording_and_starts_where_it_is_asked(channel, open_folder):
    server, token, url = channel
    video = broadcast(server, url, seconds=10)
    total = video["durationSeconds"]
    whole, seeked = os.path.join(open_folder, "whole.ts"), os.path.join(open_folder, "seeked.ts")
    run = vlc_remux(video["playlistUrl"], whole)
    assert os.path.exists(whole), run.stderr[-2000:]
    # Past the middle: VLC 3's MP4 demuxer wrote nothing from there while segments had one moof
    # per frame; served as one moof with a traf per track (decision 0049) it seeks like anywhere else.
    start = 6
    run = vlc_remux(video["playlistUrl"], seeked, start_time=start)
    assert os.path.exists(seeked) and os.path.getsize(seeked) > 0, run.stderr[-2000:]
    assert ffprobe(whole)[0] == ["aac", "h264"]
    assert abs(span(whole) - total) <= 0.5, (span(whole), total)
    assert ffprobe(seeked)[0] == ["aac", "h264"]
    # From 6 s to the end: VLC starts at the segment holding 6 s (1 s GOPs), so at most a
    # second early, and nothing after it is missing.
    rest = span(seeked)
    assert total - start - 0.3 <= rest <= total - start + 1.2, (rest, total)


def test_kill_9_mid_broadcast_leaves_a_recording_finished_at_the_next_start(data_dir):
    first = Server(data_dir).start()
    token, url = first.channel("caster")
    publisher = publish(url)
    try:
        assert wait_until(lambda: first.is_live("caster"), timeout=10)
        # a few segments cut (1 s GOPs, so about one a second)
        assert wait_until(lambda: segment_files(data_dir) >= 4, timeout=15), segment_files(data_dir)
        assert first.stop(sig=signal.SIGKILL) == -signal.SIGKILL
    finally:
        publisher.kill()
        publisher.wait()
    second = Server(data_dir, http_port=first.http_port, rtmp_port=first.rtmp_port).start()
    try:
        listed = videos(second)
        assert isinstance(listed, list) and len(listed) == 1, listed
        video = listed[0]
        assert video["durationSeconds"] >= 3, video
        codecs, duration = ffprobe(video["playlistUrl"])
        assert codecs == ["aac", "h264"] and abs(duration - video["durationSeconds"]) <= 1.0
        code, errors = decode_errors(video["playlistUrl"])
        assert code == 0 and not errors.strip(), errors
        assert not second.is_live("caster")
    finally:
        second.stop()


def test_sigterm_mid_broadcast_completes_the_video_before_exit(data_dir):
    server = Server(data_dir).start()
    token, url = server.channel("caster")
    publisher = publish(url)
    try:
        assert wait_until(lambda: server.is_live("caster"), timeout=10)
        assert wait_until(lambda: segment_files(data_dir) >= 3, timeout=15)
        assert server.stop() == 0
    finally:
        publisher.kill()
        publisher.wait()
    folders = os.listdir(os.path.join(data_dir, "recordings"))
    assert len(folders) == 1
    # Written at the graceful stop, not by the next start's recovery.
    with open(os.path.join(data_dir, "recordings", folders[0], "index.m3u8")) as playlist:
        assert playlist.read().rstrip().endswith("#EXT-X-ENDLIST")
    again = Server(data_dir).start()
    try:
        listed = videos(again)
        assert isinstance(listed, list) and len(listed) == 1 and listed[0]["durationSeconds"] >= 2, listed
    finally:
        again.stop()


@pytest.fixture
def small_disk(data_dir):
    """`<data dir>/recordings` on its own 4 MiB tmpfs, so the disk fills for real (ENOSPC)."""
    mount_point = data_dir.rstrip("/") + "-recordings"
    os.makedirs(mount_point, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount_point], capture_output=True)
    if mounted.returncode != 0:
        os.rmdir(mount_point)
        pytest.skip("cannot mount a tmpfs here (needs root): " + mounted.stderr.decode().strip())
    os.symlink(mount_point, os.path.join(data_dir, "recordings"))
    yield mount_point
    subprocess.run(["umount", mount_point], check=False)
    os.rmdir(mount_point)


def playlist_time_of_first_discontinuity(playlist):
    elapsed = 0.0
    for line in playlist.splitlines():
        if line == "#EXT-X-DISCONTINUITY":
            return elapsed
        if line.startswith("#EXTINF:"):
            elapsed += float(line[8:].rstrip(","))
    raise AssertionError("no discontinuity in " + playlist)


def player_state(browser):
    return browser.execute_script(
        "const v = document.querySelector('[data-vod-player] video');"
        "return {t: v.currentTime, d: v.duration, r: v.readyState, ready: v.closest('[data-vod-player]').dataset.ready,"
        " error: document.querySelector('.player-message').textContent, src: v.src}")


def play_and_seek(browser, target):
    """Plays the watch page's video through MSE, seeks to `target` and checks it plays on from there."""
    state = lambda: player_state(browser)
    assert wait_until(lambda: state()["ready"] == "true", timeout=10), state()
    assert state()["src"].startswith("blob:"), "played through MSE"
    browser.execute_script("const v = document.querySelector('[data-vod-player] video'); v.muted = true; v.play();")
    assert wait_until(lambda: state()["t"] > 0.5, timeout=10), state()
    browser.execute_script(f"document.querySelector('[data-vod-player] video').currentTime = {target};")
    assert wait_until(lambda: (s := state())["t"] >= target + 0.5 and s["r"] >= 3, timeout=10), state()
    after_seek = state()["t"]
    assert after_seek < target + 3, "it played on from the seek target, not from elsewhere"
    assert wait_until(lambda: state()["t"] > after_seek + 1, timeout=10), state()
    assert not state()["error"], state()
    return state()


def newest_live_segment(server):
    status, _, body = http(server.url + "/live/caster/index.m3u8")
    assert status == 200
    return max(int(n) for n in re.findall(r"seg(\d+)\.m4s", body.decode()))


def recording_state(server, token):
    status, _, body = http(server.url + "/u/caster/videos", token)
    assert status == 200
    text = body.decode()
    marker = 'data-recording-state="'
    return text[text.index(marker) + len(marker):].split('"', 1)[0]


def test_a_full_disk_pauses_the_recording_never_the_stream(data_dir, small_disk, browser):
    server = Server(data_dir).start()
    try:
        token, url = server.channel("caster")
        filler = os.path.join(small_disk, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (3 * 1024 * 1024))  # about three segments of room left
        publisher = publish(url)
        try:
            assert wait_until(lambda: server.is_live("caster"), timeout=10)
            assert wait_until(lambda: recording_state(server, token) == "paused", timeout=20), recording_state(server, token)
            # the live stream goes on: LL-HLS keeps cutting segments while nothing is written
            paused_at = newest_live_segment(server)
            assert wait_until(lambda: newest_live_segment(server) >= paused_at + 2, timeout=10)
            status, _, dashboard = http(server.url + "/u/caster", token)
            assert status == 200 and b'data-recording-state="paused"' in dashboard and b"No space left on device" in dashboard
            status, health = server.api("GET", "/me/stream/health", token=token)
            assert status == 200 and health["isLive"] and health["recording"] == "paused", health
            assert "No space left on device" in health["recordingPausedReason"]
            # space again: a later segment resumes the recording
            os.remove(filler)
            assert wait_until(lambda: recording_state(server, token) == "recording", timeout=10)
            assert server.api("GET", "/me/stream/health", token=token)[1]["recording"] == "recording"
            time.sleep(3)
        finally:
            publisher.terminate()
            publisher.wait()
        listed = wait_until(lambda: isinstance(v := videos(server), list) and v, timeout=15)
        assert listed, videos(server)
        status, _, playlist = http(listed[0]["playlistUrl"])
        assert status == 200 and b"#EXT-X-DISCONTINUITY" in playlist, playlist.decode()
        codecs, _ = ffprobe(listed[0]["playlistUrl"])
        assert codecs == ["aac", "h264"]
        code, errors = decode_errors(listed[0]["playlistUrl"])
        assert code == 0, errors
        # Chromium plays on past the gap
        gap = playlist_time_of_first_discontinuity(playlist.decode())
        browser.get(server.url + f"/caster/videos/{listed[0]['id'].lower()}")
        play_and_seek(browser, gap + 0.5)
    finally:
        browser.get("about:blank")  # no page left to retry its event stream against a stopped server
        server.stop()


def test_owner_renames_with_markup_escaped_and_deletes_the_files(channel):
    server, token, url = channel
    video = broadcast(server, url, seconds=4)
    other = server.sign_up("other")
    assert server.api("PATCH", f"/me/videos/{video['id']}", {"title": "stolen"}, other)[0] == 404
    assert server.api("DELETE", f"/me/videos/{video['id']}", None, other)[0] == 404
    status, renamed = server.api("PATCH", f"/me/videos/{video['id']}", {"title": "<img src=x onerror=alert(1)> & more"}, token)
    assert status == 200 and renamed["title"] == "<img src=x onerror=alert(1)> & more"
    for page in ["/caster/videos", f"/caster/videos/{video['id'].lower()}"]:
        status, _, body = http(server.url + page)
        assert status == 200
        assert b"<img src=x" not in body and b"&lt;img src=x onerror=alert(1)&gt; &amp; more" in body
    folder = recording_dir(server, video)
    assert os.path.isdir(folder)
    assert server.api("DELETE", f"/me/videos/{video['id']}", None, token)[0] == 204
    assert not os.path.exists(folder)
    assert http(video["playlistUrl"])[0] == 404
    assert videos(server) == []


def test_blocked_users_see_none_of_it(channel):
    server, token, url = channel
    video = broadcast(server, url, seconds=4)
    viewer = server.sign_up("viewer")
    assert http(video["playlistUrl"], viewer)[0] == 200
    assert server.api("PUT", "/me/blocked/viewer", None, token)[0] == 204
    assert videos(server, token=viewer) == 404
    assert server.api("GET", f"/videos/{video['id']}", token=viewer)[0] == 404
    assert http(video["playlistUrl"], viewer)[0] == 403
    base = video["playlistUrl"].rsplit("/", 1)[0]
    assert http(base + "/0.m4s", viewer)[0] == 403
    assert http(server.url + "/caster/videos", viewer)[0] == 404
    assert http(server.url + f"/caster/videos/{video['id'].lower()}", viewer)[0] == 404
    # others still do
    assert http(video["playlistUrl"])[0] == 200


def test_with_recording_off_a_broadcast_leaves_no_video(channel):
    server, token, url = channel
    assert server.api("PATCH", "/me/stream", {"record": False}, token)[0] == 200
    publisher = publish(url, seconds=4)
    assert wait_until(lambda: server.is_live("caster"), timeout=10)
    assert publisher.wait(timeout=20) == 0
    assert wait_until(lambda: not server.is_live("caster"), timeout=10)
    time.sleep(2)
    assert videos(server) == []
    root = os.path.join(server.data_dir, "recordings")
    assert not os.path.exists(root) or os.listdir(root) == []


def test_a_disk_cap_removes_the_oldest_recordings(data_dir):
    first = Server(data_dir).start()
    token, url = first.channel("caster")
    oldest = broadcast(first, url, seconds=4)
    newest = broadcast(first, url, seconds=4, expected=2)
    assert newest["id"] != oldest["id"]
    first.stop()
    size = lambda video: sum(e.stat().st_size for e in os.scandir(recording_dir(first, video)))
    cap = (size(newest) + size(oldest) / 2) / 1e9
    second = Server(data_dir, env={"METROPOLE_VOD_MAX_GB": f"{cap:.9f}"}).start()
    try:
        assert [v["id"] for v in videos(second)] == [newest["id"]]
        assert not os.path.exists(recording_dir(second, oldest))
    finally:
        second.stop()
    # and an age limit: with a tenth of a second, what is left is too old at the next start
    third = Server(data_dir, env={"METROPOLE_VOD_RETENTION_DAYS": "0.000001"}).start()
    try:
        assert videos(third) == []
        assert not os.path.exists(recording_dir(third, newest))
    finally:
        third.stop()


def test_chromium_plays_on_across_a_configuration_change(data_dir, browser, tmp_path):
    """A recording whose second half has another init segment (360p after 720p), as a
    configuration change mid-stream leaves it: made from two real recordings, the second grafted
    on as generation 1 and the first left "recording", so the next start's recovery writes the
    playlist."""
    small = str(tmp_path / "clip-360p.flv")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "5", "-c:v", "libx264",
                    "-preset", "veryfast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "96k", "-f", "flv", small], check=True)
    first = Server(data_dir).start()
    token, url = first.channel("caster")
    big = broadcast(first, url, seconds=5)
    other = broadcast(first, url, seconds=5, expected=2, path=small)
    first.stop()
    target, source = recording_dir(first, big), recording_dir(first, other)
    with open(os.path.join(target, "segments.log")) as f:
        lines = f.read().splitlines()
    first_half = sum(int(line.split()[2]) for line in lines) / 1000
    number = max(int(line.split()[0]) for line in lines) + 1
    shutil.copy(os.path.join(source, "init-0.mp4"), os.path.join(target, "init-1.mp4"))
    with open(os.path.join(source, "segments.log")) as f, open(os.path.join(target, "segments.log"), "a") as journal:
        for index, line in enumerate(f.read().splitlines()):
            msn, _, duration, size, _ = line.split()
            shutil.copy(os.path.join(source, f"{msn}.m4s"), os.path.join(target, f"{number}.m4s"))
            journal.write(f"{number} 1 {duration} {size} {1 if index == 0 else 0}\n")
            number += 1
    os.remove(os.path.join(target, "index.m3u8"))
    with sqlite3.connect(os.path.join(data_dir, "metropole.sqlite")) as db:
        db.execute("UPDATE videos SET status = 'recording' WHERE started_at = (SELECT MIN(started_at) FROM videos)")
    second = Server(data_dir).start()
    try:
        video = next(v for v in videos(second) if v["id"] == big["id"])
        assert video["durationSeconds"] > first_half + 3, video
        status, _, playlist = http(video["playlistUrl"])
        assert b'#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-1.mp4"' in playlist, playlist.decode()
        browser.get(second.url + f"/caster/videos/{video['id'].lower()}")
        height = lambda: browser.execute_script("return document.querySelector('[data-vod-player] video').videoHeight")
        assert wait_until(lambda: player_state(browser)["ready"] == "true", timeout=10)
        assert wait_until(lambda: height() == 720, timeout=10), height()
        play_and_seek(browser, first_half + 0.5)
        assert height() == 360
    finally:
        browser.get("about:blank")
        second.stop()


def test_chromium_plays_the_vod_with_mse_and_seeks(channel, browser):
    server, token, url = channel
    video = broadcast(server, url, seconds=10)
    # the channel's Videos tab lists it with its duration
    browser.get(server.url + "/caster")
    assert browser.execute_script("return [...document.querySelectorAll('.channel-tab')].map(a => a.textContent)") == ["Live", "Videos"]
    browser.get(server.url + "/caster/videos")
    card = browser.execute_script("const c = document.querySelector('[data-video]'); return c && [c.dataset.video, c.getAttribute('href')]")
    assert card == [video["id"].lower(), f"/caster/videos/{video['id'].lower()}"]
    browser.get(server.url + card[1])
    final = play_and_seek(browser, video["durationSeconds"] / 2)
    assert abs(final["d"] - video["durationSeconds"]) <= 1.0, final


def test_a_whip_broadcast_is_recorded_with_its_opus_audio(server):
    from test_whip import Publisher

    token = server.sign_up("beamer")
    status, ingress = server.api("POST", "/me/ingress", {"protocol": "whip"}, token)
    assert status == 201, ingress
    publisher = Publisher(ingress["serverUrl"], ingress["streamKey"], 6)
    try:
        assert publisher.next("status")["status"] == 201
        assert wait_until(lambda: server.is_live("beamer"), timeout=10)
        assert publisher.next("deleted", timeout=30)["deleted"] == 200
    finally:
        publisher.stop(signal.SIGKILL)
    listed = wait_until(lambda: isinstance(v := videos(server, "beamer"), list) and v, timeout=15)
    assert listed, videos(server, "beamer")
    codecs, duration = ffprobe(listed[0]["playlistUrl"])
    assert codecs == ["h264", "opus"], codecs
    assert duration >= 2 and abs(duration - listed[0]["durationSeconds"]) <= 1.0, (duration, listed[0])
    code, errors = decode_errors(listed[0]["playlistUrl"])
    assert code == 0, errors
