"""One `metropole serve` process on loopback, with its own ports and data directory."""
import os
import signal
import subprocess
import time
import urllib.request

from harness import ROOT, binaries, processes
from harness.jsonhttp import request_json

PASSWORD = "password123"


class Server:
    """`Server(data_dir).start()`; `stop()` asserts it stops on the signal.

    The log goes beside the data directory (`<data_dir>.log`), so a test that inspects or
    copies the data directory sees only what the server wrote there. `cpu` pins the server
    with taskset (benchmarks); `binary` defaults to `binaries.metropole()`.
    """

    def __init__(self, data_dir, http_port=None, rtmp_port=None, webrtc_port=None, env=None, binary=None, cpu=None):
        self.data_dir = data_dir
        self.http_port = http_port or processes.free_port()
        self.rtmp_port = rtmp_port if rtmp_port is not None else processes.free_port()
        self.webrtc_port = webrtc_port if webrtc_port is not None else processes.free_udp_port()
        self.extra_env = env or {}
        self.binary = binary
        self.cpu = cpu
        self.process = None
        self.log = None
        self.channels = {}
        self.log_path = data_dir.rstrip("/") + ".log"
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def ws_url(self, username, viewer=None):
        """The player WebSocket of `username`'s channel."""
        return f"ws://127.0.0.1:{self.http_port}/live/{username}/ws" + (f"?viewer={viewer}" if viewer else "")

    @property
    def pids(self):
        return [self.process.pid]

    def start(self, timeout=20.0):
        env = dict(os.environ)
        env.update({
            "METROPOLE_HTTP_PORT": str(self.http_port),
            "METROPOLE_RTMP_PORT": str(self.rtmp_port),
            "METROPOLE_WEBRTC_UDP_PORT": str(self.webrtc_port),
            "METROPOLE_DATA_DIR": self.data_dir,
            "LOG_LEVEL": env.get("LOG_LEVEL", "notice"),
            # Debug builds hash slowly; the production cost is covered by test_process.
            "METROPOLE_BCRYPT_COST": env.get("METROPOLE_BCRYPT_COST", "4"),
        })
        env.update(self.extra_env)
        self.log = open(self.log_path, "ab")
        started = time.monotonic()
        self.process = processes.spawn([self.binary or binaries.metropole()], cpu=self.cpu, cwd=ROOT, env=env,
                                       stdout=self.log, stderr=subprocess.STDOUT)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"metropole exited with {self.process.returncode}: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        self.startup_seconds = time.monotonic() - started
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("metropole did not answer /healthz in time: " + self.read_log())

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Its exit code; an AssertionError if it had to be killed."""
        code = processes.stop(self.process, sig, timeout) if self.process else None
        if self.log:
            self.log.close()
            self.log = None
        if self.process and code is None:
            raise AssertionError(f"metropole did not stop on {sig}")
        return code

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def api(self, method, path, body=None, token=None):
        """(status, body) of a call to the JSON API under /api/v1."""
        return request_json(self.url + "/api/v1" + path, method, body, token)

    def sign_up(self, username, password=PASSWORD):
        """Creates `username` and signs in; returns the API token."""
        status, body = self.api("POST", "/users", {"username": username, "password": password})
        assert status == 201, (status, body)
        status, session = self.api("POST", "/sessions", {"username": username, "password": password})
        assert status == 201, (status, session)
        return session["token"]

    def ingress(self, token):
        """The RTMP ingress of the signed-in user: {"serverUrl", "streamKey", ...}."""
        status, ingress = self.api("POST", "/me/ingress", {"protocol": "rtmp"}, token)
        assert status == 201, (status, ingress)
        return ingress

    def channel(self, username):
        """`username` with a stream key, created on first use: (token, RTMP publish URL)."""
        if username not in self.channels:
            token = self.sign_up(username)
            ingress = self.ingress(token)
            self.channels[username] = (token, ingress["serverUrl"].rstrip("/") + "/" + ingress["streamKey"])
        return self.channels[username]

    def stream(self, username):
        status, body = self.api("GET", f"/streams/{username}")
        return body if status == 200 else None

    def is_live(self, username):
        stream = self.stream(username)
        return bool(stream and stream["isLive"])

