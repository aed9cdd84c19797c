"""LL-HLS behind an HTTP CDN (decision 0051): nginx `proxy_cache` from Debian in front of a
server, honouring only the cache headers the server sends."""
import re
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from harness import binaries, llhls, load_tools
from harness.media import publish
from harness.nginx import NginxCache
from harness.processes import stop, wait_until

READERS = 200
SECONDS = 30


@pytest.fixture(scope="module", autouse=True)
def load_tool():
    """The readers' tool, built once (debug) unless METROPOLE_LOAD_BIN_DIR names prebuilt tools."""
    binaries.build_load_tools("debug")


@pytest.fixture
def cdn(server):
    cache = NginxCache(server.http_port)
    yield cache
    stop(cache.process)


def fetch(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def go_live(server, url, playlist_url):
    """ffmpeg publishing to `url`, once `playlist_url` answers."""
    publisher = publish(url)
    assert wait_until(lambda: server.is_live("caster"), timeout=10)
    assert wait_until(lambda: fetch(playlist_url)[0] == 200, timeout=10)
    return publisher


def test_200_readers_through_nginx_cost_the_origin_about_one_request_per_part(server, cdn):
    token, url = server.channel("caster")
    playlist_url = f"{cdn.url}/live/caster/index.m3u8"
    publisher = go_live(server, url, playlist_url)
    try:
        time.sleep(2)
        before = len(cdn.log())

        # The readers are the load tool's (NIO): 200 readers as Python threads needed more than
        # the one core the GIL gave them, so on a busy machine they fell behind live by
        # themselves, and late readers asked for blocking playlists whose answers had expired.
        reading = load_tools.llhls(playlist_url, READERS, SECONDS, threads=2)

        passed = [uri for cache, _, uri in cdn.log()[before:] if cache in NginxCache.REACHED_ORIGIN]
        part_uris = {uri for uri in passed if re.search(r"/part\d+\.\d+\.m4s$", uri)}
        parts_fetched = Counter(uri for uri in passed if uri in part_uris)
        blocking = Counter(uri for uri in passed if "_HLS_msn=" in uri)
        print(f"{READERS} readers, {reading['parts']} parts served, {len(part_uris)} distinct parts; origin: "
              f"{len(passed)} requests ({sum(parts_fetched.values())} parts, {sum(blocking.values())} blocking playlists, "
              f"{len(passed) - sum(parts_fetched.values()) - sum(blocking.values())} other); behind live: median "
              f"{reading['delayMsMedian'] / 1000:.2f} s, p95 {reading['delayMsP95'] / 1000:.2f} s, "
              f"max {reading['delayMsMax'] / 1000:.2f} s; errors {reading['errors']}")

        assert reading["readers"] == READERS and not reading["errors"], reading
        # Every reader kept up: about 3 parts a second each (300 ms parts), for the whole window.
        assert reading["readerPartsMin"] >= SECONDS * 2, reading
        # The origin saw each part about once and each blocking playlist URL about once, however
        # many readers asked: at most a few requests per part in all.
        assert max(parts_fetched.values()) <= 2, parts_fetched.most_common(3)
        assert max(blocking.values()) <= 2, blocking.most_common(3)
        assert len(passed) <= 4 * len(part_uris), (len(passed), len(part_uris))
        # And they stayed close to live.
        assert reading["delayMsP95"] < 2500, reading
    finally:
        stop(publisher)


def test_the_cache_keeps_guests_answers_for_guests_and_never_a_refusal(server, cdn):
    token, url = server.channel("caster")
    viewer = server.sign_up("viewer")
    assert server.api("PUT", "/me/blocked/viewer", token=token)[0] == 204
    playlist_url = f"{cdn.url}/live/caster/index.m3u8"
    publisher = go_live(server, url, playlist_url)
    try:
        time.sleep(1)
        status, headers, body = fetch(playlist_url)
        assert status == 200 and headers["Cache-Control"] == "public, max-age=1", headers
        parts, (msn, index) = llhls.parse(body.decode())
        part_url = f"{cdn.url}/live/caster/{parts[-1].uri}"
        blocking_url = f"{playlist_url}?_HLS_msn={msn}&_HLS_part={index}"

        # Guests: the second ask is a hit, with the lifetimes of decision 0051.
        for address in (part_url, blocking_url):
            first, second = fetch(address), fetch(address)
            assert first[0] == second[0] == 200 and first[2] == second[2]
            assert second[1]["X-Cache-Status"] == "HIT", (address, second[1])
        assert fetch(part_url)[1]["Cache-Control"] == "public, max-age=86400, immutable"
        assert re.fullmatch(r"public, max-age=\d+", fetch(blocking_url)[1]["Cache-Control"])

        # The blocked viewer asks the same URLs with credentials: the origin answers, with 403,
        # and the refusal is not kept for anyone.
        for address in (playlist_url, part_url, blocking_url):
            status, headers, _ = fetch(address, token=viewer)
            assert status == 403 and headers["X-Cache-Status"] != "HIT", (address, status, headers)
            assert headers["Cache-Control"] == "no-store"
            assert fetch(address)[0] == 200
        # A signed-in viewer's answer is private: never stored, so never shown to a guest.
        status, headers, _ = fetch(playlist_url, token=token)
        assert status == 200 and headers["Cache-Control"].startswith("private"), headers
    finally:
        stop(publisher)

    # The next broadcast lists its resources under a new token: yesterday's URL is never
    # answered with today's bytes, and the old one is gone at the origin.
    assert wait_until(lambda: not server.is_live("caster"), timeout=5)
    publisher = go_live(server, url, f"{server.url}/live/caster/index.m3u8")
    try:
        _, _, text = fetch(f"{server.url}/live/caster/index.m3u8")
        old, new = parts[-1].uri.split("/")[0], llhls.parse(text.decode())[0][0].uri.split("/")[0]
        assert old != new
        status, headers, _ = fetch(f"{server.url}/live/caster/{parts[-1].uri}")
        assert status == 404 and headers["Cache-Control"] == "no-store"
    finally:
        stop(publisher)
