#!/usr/bin/env python3
"""Captures what ffmpeg sends for a WebRTC-like publish: H.264 (Constrained Baseline, no
B-frames, 1200-byte packets) and Opus over SRTP (AES_CM_128_HMAC_SHA1_80, ffmpeg's own SRTP),
with their RTCP sender reports, on 127.0.0.1 only.

    python3 capture_ffmpeg.py          # writes ffmpeg-h264-opus.srtp

Output: "MSRTP1\\n", then one record per datagram: channel (u8: 0 video RTP, 1 video RTCP,
2 audio RTP, 3 audio RTCP), arrival time in microseconds since the first datagram (u32, big
endian), length (u16), bytes. The master key and salt are KEY below.
"""
import base64
import pathlib
import select
import socket
import struct
import subprocess
import time

HERE = pathlib.Path(__file__).parent
KEY = bytes(range(1, 31))  # 16-byte master key, then the 14-byte master salt
SECONDS = 4


def main():
    sockets = []
    for _ in range(2):
        # Two adjacent ports per stream: RTP, and RTCP on RTP + 1 (ffmpeg's rule).
        while True:
            rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rtp.bind(("127.0.0.1", 0))
            port = rtp.getsockname()[1]
            if port % 2:
                rtp.close()
                continue
            rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                rtcp.bind(("127.0.0.1", port + 1))
            except OSError:
                rtp.close()
                continue
            break
        for s in (rtp, rtcp):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sockets += [rtp, rtcp]
    video_port, audio_port = sockets[0].getsockname()[1], sockets[2].getsockname()[1]
    params = base64.b64encode(KEY).decode()
    srtp = ["-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", params]
    command = [
        "ffmpeg", "-v", "error", "-re",
        "-t", str(SECONDS), "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
        "-t", str(SECONDS), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-map", "0:v", "-c:v", "libx264", "-profile:v", "baseline", "-preset", "veryfast", "-bf", "0",
        "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "600k",
        "-f", "rtp", "-payload_type", "102", "-ssrc", str(0x11223344), "-pkt_size", "1200", *srtp,
        f"srtp://127.0.0.1:{video_port}",
        "-map", "1:a", "-c:a", "libopus", "-b:a", "64k", "-ac", "2",
        "-f", "rtp", "-payload_type", "111", "-ssrc", str(0x55667788), *srtp,
        f"srtp://127.0.0.1:{audio_port}",
    ]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    records = []
    start = None
    deadline = time.monotonic() + SECONDS + 10
    while time.monotonic() < deadline:
        ready, _, _ = select.select(sockets, [], [], 0.5)
        for s in ready:
            data = s.recv(65536)
            now = time.monotonic_ns() // 1000
            start = start if start is not None else now
            records.append((sockets.index(s), now - start, data))
        if not ready and process.poll() is not None:
            break
    process.wait()
    with open(HERE / "ffmpeg-h264-opus.srtp", "wb") as out:
        out.write(b"MSRTP1\n")
        for channel, micros, data in records:
            out.write(struct.pack(">BIH", channel, micros, len(data)) + data)
    counts = [sum(1 for r in records if r[0] == c) for c in range(4)]
    print("datagrams per channel (video RTP, video RTCP, audio RTP, audio RTCP):", counts)


main()
