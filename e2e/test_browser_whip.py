"""Go live from the browser (issue 12): headless Chromium with fake camera and microphone
publishes over WHIP from the dashboard, a second Chromium plays the channel. Both run with the
server in a network namespace this test makes and removes, with loopback only."""
import json
import os
import subprocess
import sys

from harness import ROOT


def test_chromium_goes_live_from_the_dashboard_and_another_chromium_watches(data_dir):
    namespace = f"metropole-whip-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"], check=True)
        probe = subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, os.path.join(ROOT, "e2e", "browser_whip_probe.py"), data_dir],
            capture_output=True, text=True, timeout=240,
        )
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
    assert probe.returncode == 0, probe.stderr[-4000:] + probe.stdout[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    print(seen)
    assert seen["cameras"] >= 1 and seen["preview_playing"]
    assert seen["live"], "the channel did not go live"
    health = seen["health"]
    assert health["isLive"] and health["videoCodec"].startswith("avc1.") and health["audioCodec"] == "opus"
    assert seen["viewer_advanced"] > 1.0, "the second browser's video does not play"
    assert seen["viewer_size"][0] > 0
    assert seen["offline"], "Stop did not end the stream"
    assert not seen["console_errors"], seen["console_errors"]
