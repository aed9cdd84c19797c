"""End-to-end layer: the real `metropole` binary, real HTTP, real Chromium.

The binary is the one `swift build` produced (scripts/test builds it first); override with
METROPOLE_BIN. Every server gets its own temporary port and data directory.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary_path():
    if os.environ.get("METROPOLE_BIN"):
        return os.environ["METROPOLE_BIN"]
    bin_dir = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip()
    return os.path.join(bin_dir, "metropole")


class Server:
    """One `metropole serve` process on loopback."""

    def __init__(self, data_dir, http_port=None, rtmp_port=None, env=None):
        self.data_dir = data_dir
        self.http_port = http_port or free_port()
        self.rtmp_port = rtmp_port if rtmp_port is not None else free_port()
        self.extra_env = env or {}
        self.process = None
        self.log_path = data_dir.rstrip("/") + ".log"
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout=20.0):
        env = dict(os.environ)
        env.update({
            "METROPOLE_HTTP_PORT": str(self.http_port),
            "METROPOLE_RTMP_PORT": str(self.rtmp_port),
            "METROPOLE_DATA_DIR": self.data_dir,
            "LOG_LEVEL": env.get("LOG_LEVEL", "notice"),
            # Debug builds hash slowly; the production cost is covered by test_process.
            "METROPOLE_BCRYPT_COST": env.get("METROPOLE_BCRYPT_COST", "4"),
        })
        env.update(self.extra_env)
        self.log = open(self.log_path, "ab")
        started = time.monotonic()
        self.process = subprocess.Popen([binary_path()], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
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
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("metropole did not stop on " + str(sig))
        if getattr(self, "log", None):
            self.log.close()
        return self.process.returncode if self.process else None

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""


@pytest.fixture
def data_dir():
    path = tempfile.mkdtemp(prefix="metropole-e2e-")
    yield path
    shutil.rmtree(path, ignore_errors=True)
    if os.path.exists(path + ".log"):
        os.remove(path + ".log")


@pytest.fixture
def server(data_dir):
    instance = Server(data_dir).start()
    yield instance
    instance.stop()


@pytest.fixture
def browser():
    """Headless Debian Chromium. The test fails if any page logged a console error."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    # A test that deliberately loads an error page (404, a form answered 401/422) names the
    # status here; every other console error, and every script error, fails the test.
    driver.expected_statuses = set()
    yield driver
    errors = [
        entry for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
        and not (entry.get("source") == "network"
                 and any(f"status of {status} " in entry["message"] for status in driver.expected_statuses))
    ]
    driver.quit()
    assert not errors, f"console errors: {errors}"
