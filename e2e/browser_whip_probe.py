"""Chromium goes live from the dashboard over WHIP and a second Chromium watches the channel.

Run by e2e/test_browser_whip.py inside a network namespace it makes with loopback only:
Chromium pairs its WebRTC candidates only with what its interfaces offer, and there the only
one is 127.0.0.1, so no packet reaches the machine's own interface addresses. Prints one JSON
object with what it saw; the test asserts on it.
    ip netns exec <ns> python3 e2e/browser_whip_probe.py <data dir>
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from harness.browser import WEBRTC_FLAGS, chromium, console_errors, sign_in  # noqa: E402
from harness.processes import wait_until  # noqa: E402
from harness.server import Server  # noqa: E402


def main(data_dir):
    seen = {}
    server = Server(data_dir).start()
    creator = viewer = None
    try:
        token = server.sign_up("studio")
        assert server.api("POST", "/me/ingress", {"protocol": "whip"}, token)[0] == 201
        creator = chromium(WEBRTC_FLAGS)
        sign_in(creator, server, "studio")
        creator.get(server.url + "/u/studio/browser")
        status = WebDriverWait(creator, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-broadcast-status]")))
        WebDriverWait(creator, 20).until(lambda _: status.text == "Ready.")
        seen["cameras"] = len(creator.find_elements(By.CSS_SELECTOR, "#broadcast-camera option"))
        seen["preview_playing"] = creator.execute_script(
            "const v = document.querySelector('[data-broadcast-preview]'); return v.srcObject !== null && v.videoWidth > 0;")
        creator.find_element(By.CSS_SELECTOR, "[data-broadcast-toggle]").click()
        started = time.monotonic()
        WebDriverWait(creator, 20).until(lambda _: status.text == "You are live.")
        seen["live"] = bool(wait_until(lambda: server.is_live("studio"), timeout=15))
        seen["live_seconds"] = round(time.monotonic() - started, 2)
        status_code, health = server.api("GET", "/me/stream/health", token=token)
        seen["health"] = health if status_code == 200 else None

        viewer = chromium(WEBRTC_FLAGS)
        viewer.get(server.url + "/studio")
        WebDriverWait(viewer, 20).until(lambda d: d.execute_script(
            "const v = document.querySelector('[data-player] video'); return v && v.readyState >= 2 && v.currentTime > 0;"))
        first = viewer.execute_script("return document.querySelector('[data-player] video').currentTime")
        time.sleep(2)
        second = viewer.execute_script("return document.querySelector('[data-player] video').currentTime")
        seen["viewer_advanced"] = round(second - first, 2)
        seen["viewer_size"] = viewer.execute_script(
            "const v = document.querySelector('[data-player] video'); return [v.videoWidth, v.videoHeight];")

        creator.find_element(By.CSS_SELECTOR, "[data-broadcast-toggle]").click()
        stopped = time.monotonic()
        seen["offline"] = bool(wait_until(lambda: not server.is_live("studio"), timeout=5))
        seen["offline_seconds"] = round(time.monotonic() - stopped, 2)
        seen["console_errors"] = [e["message"] for e in console_errors(creator) + console_errors(viewer)]
    finally:
        for driver in (creator, viewer):
            if driver:
                driver.quit()
        server.stop()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1])
