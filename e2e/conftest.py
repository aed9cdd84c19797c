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
    from harness.browser import chromium, console_errors

    driver = chromium()
    # A test that deliberately loads an error page (404, a form answered 401/422) names the
    # status here; every other console error, and every script error, fails the test.
    driver.expected_statuses = set()
    yield driver
    errors = console_errors(driver, driver.expected_statuses)
    driver.quit()
    assert not errors, f"console errors: {errors}"
