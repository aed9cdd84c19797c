#!/usr/bin/env python3
"""Prints the offer headless Chromium makes for a WHIP publisher (sendonly video + audio).

Regenerates Fixtures/offers/chromium.sdp. Only createOffer() runs: no setLocalDescription,
so Chromium gathers no candidates and sends nothing on the network.
    python3 capture_chromium_offer.py > ../Fixtures/offers/chromium.sdp
"""
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

SCRIPT = """
const done = arguments[arguments.length - 1];
const pc = new RTCPeerConnection();
pc.addTransceiver('video', {direction: 'sendonly'});
pc.addTransceiver('audio', {direction: 'sendonly'});
pc.createOffer().then(offer => { done(offer.sdp); pc.close(); }, error => done('ERROR ' + error));
"""

options = Options()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get("about:blank")
    sdp = driver.execute_async_script(SCRIPT)
    version = driver.capabilities.get("browserVersion", "?")
finally:
    driver.quit()
if sdp.startswith("ERROR"):
    sys.exit(sdp)
sys.stderr.write(f"Chromium {version}\n")
sys.stdout.write(sdp)
