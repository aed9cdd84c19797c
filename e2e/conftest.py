"""End-to-end layer: the real `metropole` binary, real HTTP, real Chromium.

The binary is the one `swift build` produced (scripts/test builds it first); override with
METROPOLE_BIN. Every server gets its own temporary port and data directory. Servers, ffmpeg
and the load generators are started through the shared harness (harness/, also used by
scripts/bench).
"""
import os
import shutil
import sys
import tempfile

import pytest

# The harness is a package at the repository root, one level up.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness.server import Server  # noqa: E402


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
