"""Streaming providers (issue 13) with a real media server: nginx + nginx-rtmp from Debian,
configured with the block `metropole providers snippet` prints. A creator picks it in their
settings, ffmpeg publishes to nginx with their Metropole key, and the Metropole channel goes
live and plays nginx's HLS; wrong keys are refused by our hook, the end of the stream and a new
key reach nginx. Everything on loopback."""
import json
import os
import secrets
import subprocess
import time
import urllib.request

import pytest

from harness import ROOT, processes
from harness.binaries import metropole
from harness.media import TEST_CLIP, clip, publish
from harness import nginx
from harness.cluster import Cluster
from harness.databases import fresh_database
from harness.nginx import MODULE
from harness.processes import wait_until
from harness.server import Server


class NginxProvider:
    """nginx started with Metropole's snippet for provider `studio`."""

    def __init__(self, work, snippet):
        self.dir = work
        self.hls = os.path.join(work, "hls")
        os.makedirs(self.hls)
        os.chmod(self.hls, 0o777)
        rtmp_part, http_part = snippet.split("# In http {")
        http_part = "# In http {" + http_part
        rtmp_part = rtmp_part.replace("/var/lib/nginx/metropole-hls", self.hls)
        http_part = http_part.replace("/var/lib/nginx/metropole-hls/", self.hls + "/")
        config = f"""
rtmp {{
    server {{
        listen 127.0.0.1:{RTMP_PORT};
{rtmp_part}
    }}
}}
http {{
    access_log off;
    server {{
        listen 127.0.0.1:{HTTP_PORT};
{http_part}
    }}
}}
"""
        self.process = nginx.start(work, config, RTMP_PORT, preamble=f"load_module {MODULE};", log_level="info")

    def log(self):
        with open(os.path.join(self.dir, "error.log")) as f:
            return f.read()[-3000:]

    def stop(self):
        processes.stop(self.process)


RTMP_PORT = processes.free_port()
HTTP_PORT = processes.free_port()


def studio_providers():
    return {"providers": [{
        "id": "studio", "kind": "nginx-rtmp", "name": "Studio nginx",
        "ingest": {"rtmp": f"rtmp://127.0.0.1:{RTMP_PORT}/live"},
        "playback": {"hls": f"http://127.0.0.1:{HTTP_PORT}/hls/{{username}}.m3u8"},
        "api": {"url": f"http://127.0.0.1:{HTTP_PORT}/control"},
        "secret": secrets.token_urlsafe(32), "updateSeconds": 2,
    }]}


def snippet_for(server, data_dir, providers_file):
    """What `metropole providers snippet studio` prints for `server`'s public URL."""
    env = dict(os.environ, METROPOLE_DATA_DIR=data_dir, METROPOLE_PROVIDERS_FILE=str(providers_file), METROPOLE_RTMP_PORT="0",
               METROPOLE_WEBRTC_UDP_PORT="0", METROPOLE_PUBLIC_URL=server.url, LOG_LEVEL="error")
    env.pop("DATABASE_URL", None)
    snippet = subprocess.run([metropole(), "providers", "snippet", "studio"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert snippet.returncode == 0, snippet.stderr
    assert "on_publish " + server.url + "/api/v1/providers/studio/hooks/publish?token=" in snippet.stdout
    return snippet.stdout


@pytest.fixture
def studio(data_dir, tmp_path):
    """Metropole with an nginx-rtmp provider `studio`, and that nginx running."""
    path = tmp_path / "providers.json"
    path.write_text(json.dumps(studio_providers()))
    server = Server(data_dir, env={"METROPOLE_PROVIDERS_FILE": str(path)}).start()
    nginx = NginxProvider(str(tmp_path / "nginx"), snippet_for(server, data_dir, path))
    token = server.sign_up("Painter")
    yield server, nginx, token
    nginx.stop()
    server.stop()


def ingress(server, token):
    status, body = server.api("POST", "/me/ingress", {"protocol": "rtmp"}, token)
    assert status == 201, body
    return body


def test_a_creator_streams_through_nginx_and_viewers_play_its_hls(studio, browser):
    server, nginx, token = studio
    status, providers = server.api("GET", "/providers")
    assert status == 200 and [p["id"] for p in providers] == ["builtin", "studio"]
    assert providers[1] == {"id": "studio", "name": "Studio nginx", "kind": "nginx-rtmp", "protocols": ["rtmp"]}
    status, me = server.api("PATCH", "/me", {"preferredProvider": "studio"}, token)
    assert status == 200 and me["user"]["preferredProvider"] == "studio"
    credentials = ingress(server, token)
    assert credentials["serverUrl"] == f"rtmp://127.0.0.1:{RTMP_PORT}/live"
    key = credentials["streamKey"]

    assert key.startswith("Painter?token=")
    publisher = publish(f"{credentials['serverUrl']}/{key}", path=clip(**TEST_CLIP))
    try:
        assert wait_until(lambda: server.is_live("Painter"), timeout=10), "not live: " + nginx.log()
        stream = server.stream("Painter")
        assert stream["playback"] == {"hls": f"http://127.0.0.1:{HTTP_PORT}/hls/Painter.m3u8"}
        # nginx names the stream after the channel (our hook renamed it): the key is in no URL.
        assert wait_until(lambda: os.path.exists(os.path.join(nginx.hls, "Painter.m3u8")), timeout=10)
        secret = key.split("token=")[1]
        assert not any(secret in name for name in os.listdir(nginx.hls))
        with urllib.request.urlopen(stream["playback"]["hls"]) as response:
            assert "#EXTM3U" in response.read().decode()
        # The channel page plays it (Chromium plays HLS natively).
        browser.get(server.url + "/Painter")
        playing = wait_until(lambda: browser.execute_script(
            "const v = document.querySelector('[data-player] video'); return v.readyState >= 2 && v.currentTime > 0.5;"), 20)
        assert playing, browser.execute_script(
            "const r = document.querySelector('[data-player]'); const v = r.querySelector('video');"
            "return [r.dataset.live, v.src, v.readyState, v.currentTime, v.error && v.error.message, v.networkState];")
        assert browser.execute_script("return document.querySelector('[data-player]').dataset.ws") is None
        # The dashboard knows it is live.
        status, health = server.api("GET", "/me/stream/health", token=token)
        assert status == 200 and health["isLive"]
    finally:
        publisher.terminate()
        publisher.wait()
    stopped = time.monotonic()
    assert wait_until(lambda: not server.is_live("Painter"), timeout=2), "still live after the publisher left"
    print(f"offline {time.monotonic() - stopped:.2f} s after ffmpeg stopped")


def test_a_wrong_key_is_refused_by_our_hook(studio):
    server, nginx, token = studio
    server.api("PATCH", "/me", {"preferredProvider": "studio"}, token)
    ingress(server, token)
    publisher = publish(f"rtmp://127.0.0.1:{RTMP_PORT}/live/Painter?token=not-the-key", path=clip(**TEST_CLIP), loop=False)
    assert publisher.wait(20) != 0, "nginx let a wrong key publish"
    assert not server.is_live("Painter")
    # A key only works on the provider its owner chose: back on the built-in engine, nginx refuses it.
    key = ingress(server, token)["streamKey"]
    server.api("PATCH", "/me", {"preferredProvider": "builtin"}, token)
    publisher = publish(f"rtmp://127.0.0.1:{RTMP_PORT}/live/{key}", path=clip(**TEST_CLIP), loop=False)
    assert publisher.wait(20) != 0
    assert not server.is_live("Painter")


def test_a_new_key_makes_nginx_drop_the_publisher(studio):
    server, nginx, token = studio
    server.api("PATCH", "/me", {"preferredProvider": "studio"}, token)
    credentials = ingress(server, token)
    publisher = publish(f"{credentials['serverUrl']}/{credentials['streamKey']}", path=clip(**TEST_CLIP))
    try:
        assert wait_until(lambda: server.is_live("Painter"), timeout=10), nginx.log()
        ingress(server, token)  # a new key
        assert wait_until(lambda: publisher.poll() is not None, timeout=5), "nginx kept the old key's publisher"
        assert wait_until(lambda: not server.is_live("Painter"), timeout=3)
    finally:
        publisher.terminate()
        publisher.wait()


def hooks_on(node, hook):
    """The requests for `hook` in `node`'s log (LOG_LEVEL=info logs each request)."""
    return [line for line in node.read_log().splitlines() if f"POST /api/v1/providers/studio/hooks/{hook} " in line + " "]


def test_hooks_about_one_publisher_may_reach_different_web_nodes(tmp_path):
    """Behind a load balancer nginx's hooks land on any web node: here `on_publish` reaches web1,
    `on_update` and `on_publish_done` reach web2 (two web nodes on one PostgreSQL). web2 knows
    the session web1 was told of, so the publisher is not cut off, and its end takes the
    channel offline everywhere."""
    providers = tmp_path / "providers.json"
    providers.write_text(json.dumps(studio_providers()))
    cluster = Cluster(tmp_path / "nodes", fresh_database("postgres"), [("web1", "web"), ("web2", "web")],
                      env={"METROPOLE_PROVIDERS_FILE": str(providers), "LOG_LEVEL": "info"})  # info logs each request
    provider, publisher = None, None
    try:
        cluster.start()
        web1, web2 = cluster["web1"], cluster["web2"]
        snippet = snippet_for(web1, str(tmp_path / "snippet"), providers)
        hooks = web1.url + "/api/v1/providers/studio/hooks/"
        for hook in ("update", "publish_done"):
            assert hooks + hook + "?" in snippet, snippet
            snippet = snippet.replace(hooks + hook + "?", web2.url + "/api/v1/providers/studio/hooks/" + hook + "?")
        provider = NginxProvider(str(tmp_path / "nginx"), snippet)
        token = web1.sign_up("Painter")
        web1.api("PATCH", "/me", {"preferredProvider": "studio"}, token)
        credentials = ingress(web1, token)
        publisher = publish(f"{credentials['serverUrl']}/{credentials['streamKey']}", path=clip(**TEST_CLIP))
        assert wait_until(lambda: web1.is_live("Painter") and web2.is_live("Painter"), timeout=10), provider.log()
        hls = f"http://127.0.0.1:{HTTP_PORT}/hls/Painter.m3u8"
        assert web2.stream("Painter")["playback"] == {"hls": hls}, "web2 should give the provider's playback URL"
        # nginx asks web2 every 2 s (updateSeconds); a node that did not know the session would
        # refuse, and nginx would drop the publisher. Five rounds:
        time.sleep(10)
        assert publisher.poll() is None, "nginx dropped the publisher after web2 answered on_update:\n" + provider.log()
        assert web1.is_live("Painter") and web2.is_live("Painter")
        updates = len(hooks_on(web2, "update"))
        assert updates >= 3, f"web2 should have answered nginx's on_update every 2 s, saw {updates}"
        assert hooks_on(web1, "publish") and not hooks_on(web2, "publish") and not hooks_on(web1, "update")
        publisher.terminate()
        publisher.wait()
        stopped = time.monotonic()
        assert wait_until(lambda: not web1.is_live("Painter") and not web2.is_live("Painter"), timeout=3), \
            "still live after the publisher left and nginx told web2"
        print(f"publisher kept 10 s through on_update on web2; offline on both {time.monotonic() - stopped:.2f} s after it left")
    except BaseException:
        print(cluster.logs())
        if provider:
            print(provider.log())
        raise
    finally:
        if publisher is not None and publisher.poll() is None:
            processes.stop(publisher)
        if provider:
            provider.stop()
        cluster.stop()
