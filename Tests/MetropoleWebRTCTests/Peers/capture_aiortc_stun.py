#!/usr/bin/env python3
"""Captures the Binding requests aiortc sends to an ICE-lite answerer, on loopback.

Regenerates Fixtures/stun/aiortc-binding-request.txt: aiortc gets an answer whose
credentials are known (ufrag "LiteUfrg", pwd below) and whose only candidate is a UDP socket
of ours on 127.0.0.1; we print the first Binding request it sends there as hex, then the
ufrag aiortc chose (the USERNAME's second half).
    python3 capture_aiortc_stun.py > ../Fixtures/stun/aiortc-binding-request.txt
"""
import asyncio
import socket

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack  # noqa: E402

UFRAG = "LiteUfrg"
PWD = "LitePasswordLitePassword"
FINGERPRINT = ":".join(["AB"] * 32)


async def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    answer = "\r\n".join([
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=ice-lite", "a=group:BUNDLE 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0", "a=recvonly", "a=rtcp-mux",
        f"a=ice-ufrag:{UFRAG}", f"a=ice-pwd:{PWD}", f"a=fingerprint:sha-256 {FINGERPRINT}", "a=setup:passive",
        f"a=candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host", "a=end-of-candidates",
        "a=rtpmap:96 opus/48000/2", "",
    ])
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    loop = asyncio.get_running_loop()
    while True:
        data = await asyncio.wait_for(loop.sock_recv(listener, 2048), timeout=10)
        if data[:2] == b"\x00\x01":
            print(data.hex())
            break
    await pc.close()


asyncio.run(main())
