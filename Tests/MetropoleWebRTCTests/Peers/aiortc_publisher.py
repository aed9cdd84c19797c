#!/usr/bin/env python3
"""A WHIP publisher built on aiortc, a WebRTC stack nobody here wrote.

Protocol on stdin/stdout, one JSON object per line:
  -> {"offer": "<sdp>"}          once ICE gathering finished (aiortc puts candidates in it)
  <- {"answer": "<sdp>"}         the server's answer, written by the test
  -> {"state": "<state>"}        every connectionState change ("connected", "failed", ...)
  -> {"reports": {"<kind>": n}}  receiver reports aiortc got from us, per track kind
  -> {"done": true}              after --seconds of publishing, before exiting
With --whip URL --key KEY it is a whole WHIP client instead (what the end-to-end tests run
against the real server): it POSTs the offer there (application/sdp, the key as the Bearer
token), applies the answer, publishes for --seconds (or until SIGTERM), then DELETEs the
session's URL; it prints {"status": <POST status>, "location": ...} and the states as above.
Sends H.264 video (aiortc's libx264 encoder through PyAV; a moving test pattern) and Opus
audio (a 440 Hz tone). Everything stays on 127.0.0.1: host candidates are limited to
loopback and no STUN server is configured.
    python3 aiortc_publisher.py --seconds 6 [--offer-only] [--video-only] [--audio-only]
    python3 aiortc_publisher.py --whip http://127.0.0.1:8080/api/v1/whip --key KEY --seconds 30
"""
import argparse
import asyncio
import fractions
import json
import math
import random
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import aioice.ice
import av
import numpy

# aioice gathers every interface address; keep the peer on loopback.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack  # noqa: E402


class PatternTrack(VideoStreamTrack):
    """320x240 frames at 30 fps whose colours move, so every frame encodes differently. With a
    `log`, each frame's pts (90 kHz) and the wall clock (ns) when it was handed to the encoder
    are written to it: the capture times a latency benchmark measures from. A logging track
    also skips about one frame slot in eight, in a fixed pseudo-random pattern: with evenly
    spaced frames every shift by a whole frame would match the viewer's decode times equally
    well, and the gaps are what pins the alignment down."""

    def __init__(self, log=None):
        super().__init__()
        self.log = log
        self.index = 0
        y, x = numpy.mgrid[0:240, 0:320]
        self.base = (x + y) % 256

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        while self.log and random.Random(self.index).random() < 0.125:
            self.index += 1
            pts, time_base = await self.next_timestamp()
        shift = (self.index * 4) % 256
        self.index += 1
        image = numpy.stack([(self.base + shift) % 256, self.base, 255 - self.base], axis=2).astype(numpy.uint8)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        if self.log:
            self.log.write(f"{pts} {time.time_ns()}\n")
        return frame


class ToneTrack(AudioStreamTrack):
    """20 ms frames of a 440 Hz tone, 48 kHz stereo."""

    def __init__(self):
        super().__init__()
        self.sample = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        samples = 960
        if self.start is None:
            self.start = time.time()
        wait = self.start + self.sample / 48000 - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (numpy.arange(samples) + self.sample) / 48000
        tone = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16)
        frame = av.AudioFrame.from_ndarray(numpy.repeat(tone, 2).reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = self.sample
        frame.time_base = fractions.Fraction(1, 48000)
        self.sample += samples
        return frame


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main(arguments):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    @pc.on("connectionstatechange")
    async def on_state():
        emit({"state": pc.connectionState})

    if not arguments.audio_only:
        log = open(arguments.frame_log, "w", buffering=1) if arguments.frame_log else None
        pc.addTransceiver(PatternTrack(log), direction="sendonly")
    if not arguments.video_only:
        pc.addTransceiver(ToneTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    if arguments.whip:
        await publish_over_whip(pc, arguments)
        return
    emit({"offer": pc.localDescription.sdp})
    if arguments.offer_only:
        await pc.close()
        return

    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        await pc.close()
        sys.exit("no answer on stdin")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=json.loads(line)["answer"], type="answer"))
    await asyncio.sleep(arguments.seconds)
    # Our RTCP reaches aiortc's senders only if SRTCP protection interoperates; each
    # receiver report becomes a remote-inbound-rtp entry in their stats.
    reports = {}
    for sender in pc.getSenders():
        stats = await sender.getStats()
        count = sum(1 for entry in stats.values() if entry.type == "remote-inbound-rtp")
        reports[sender.track.kind] = reports.get(sender.track.kind, 0) + count
    emit({"reports": reports})
    emit({"done": True})
    await pc.close()


def http(method, url, key, body=None, content_type=None):
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


async def publish_over_whip(pc, arguments):
    loop = asyncio.get_running_loop()
    status, headers, body = await loop.run_in_executor(
        None, http, "POST", arguments.whip, arguments.key, pc.localDescription.sdp.encode(), "application/sdp")
    location = headers.get("Location")
    emit({"status": status, "location": location, "body": body if status != 201 else ""})
    if status != 201:
        await pc.close()
        return
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await asyncio.wait_for(stopping.wait(), arguments.seconds)
    except asyncio.TimeoutError:
        pass
    session = urllib.parse.urljoin(arguments.whip, location)
    status, _, _ = await loop.run_in_executor(None, http, "DELETE", session, arguments.key)
    emit({"deleted": status})
    await pc.close()
    emit({"done": True})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--offer-only", action="store_true")
    parser.add_argument("--video-only", action="store_true")
    parser.add_argument("--audio-only", action="store_true")
    parser.add_argument("--whip", help="a WHIP endpoint URL: publish there over HTTP")
    parser.add_argument("--key", help="the stream key (the WHIP Bearer token)")
    parser.add_argument("--frame-log", help="write each video frame's pts and capture time (ns) here")
    asyncio.run(main(parser.parse_args()))
