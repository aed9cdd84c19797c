#!/usr/bin/env python3
"""Writes the seed inputs for MetropoleWebRTCFuzz (scripts/fuzz) into corpus/, from the
committed captures: real packets, so the fuzzer starts from what publishers send.

    /tmp/venv/bin/python make_corpus.py      (needs pylibsrtp, as the srtp/ generator does)

Each seed's first byte selects the target (Sources/MetropoleWebRTCFuzz/MediaFuzzing.swift:
4-10; the transport's seeds, named transport-*, use 0-3).
"""
import pathlib
import struct

from pylibsrtp import Policy, Session

HERE = pathlib.Path(__file__).parent
CORPUS = HERE / "corpus"
KEY = bytes(range(1, 31))


def capture():
    data = (HERE / "rtp" / "ffmpeg-h264-opus.srtp").read_bytes()
    assert data.startswith(b"MSRTP1\n")
    offset, records = 7, []
    session = Session(policy=Policy(key=KEY, ssrc_type=Policy.SSRC_ANY_INBOUND,
                                    srtp_profile=Policy.SRTP_PROFILE_AES128_CM_SHA1_80))
    while offset < len(data):
        channel, micros, length = struct.unpack(">BIH", data[offset:offset + 7])
        packet = data[offset + 7:offset + 7 + length]
        offset += 7 + length
        plain = session.unprotect_rtcp(packet) if channel in (1, 3) else session.unprotect(packet)
        records.append((channel, micros, packet, plain))
    return records


def fixture_lines(name):
    lines = (HERE / "srtp" / name).read_text().split("\n")
    return [line.split(" ") for line in lines[1:] if line]


def seed(name, selector, body):
    (CORPUS / name).write_bytes(bytes([selector]) + body)


def script(packets, first_timestamp):
    """Receiver script records: flags (marker, next timestamp), u16 length, payload."""
    out, timestamp = b"", first_timestamp
    for plain in packets:
        marker = plain[1] >> 7
        packet_timestamp = struct.unpack(">I", plain[4:8])[0]
        flags = marker | (0x02 if packet_timestamp != timestamp else 0)
        timestamp = packet_timestamp
        payload = plain[12:]
        out += struct.pack(">BH", flags, len(payload)) + payload
    return out


def main():
    CORPUS.mkdir(exist_ok=True)
    records = capture()
    video = [r[3] for r in records if r[0] == 0]
    audio = [r[3] for r in records if r[0] == 2]
    rtcp = [r[3] for r in records if r[0] in (1, 3)]
    stap = next(p for p in video if p[12] & 0x1F == 24)
    fu = next(p for p in video if p[12] & 0x1F == 28)
    seed("media-rtp-h264-stap-a", 4, stap)
    seed("media-rtp-h264-fu-a", 4, fu)
    seed("media-rtp-opus", 4, audio[0])
    cm = fixture_lines("libsrtp-aes128-cm-sha1-80.txt")
    gcm = fixture_lines("libsrtp-aead-aes128-gcm.txt")
    with_extension = next(bytes.fromhex(plain) for kind, plain, _ in cm if kind == "rtp" and bytes.fromhex(plain)[0] & 0x10)
    with_csrcs = next(bytes.fromhex(plain) for kind, plain, _ in cm if kind == "rtp" and bytes.fromhex(plain)[0] & 0x0F)
    seed("media-rtp-extension", 4, with_extension)
    seed("media-rtp-csrcs", 4, with_csrcs)
    seed("media-rtcp-sender-report", 5, rtcp[0])
    rr_sdes = next(bytes.fromhex(plain) for kind, plain, _ in cm if kind == "rtcp" and bytes.fromhex(plain)[1] == 201)
    seed("media-rtcp-rr-sdes", 5, rr_sdes)
    # RR, SDES, then NACK (PID 1000, BLP 0x0005), PLI and FIR, as our receiver sends them.
    cname = b"metropole-feedbeef"
    chunk = bytes.fromhex("feedbeef") + bytes([1, len(cname)]) + cname + bytes(1)
    chunk += bytes((-len(chunk)) % 4)
    feedback = bytes.fromhex("80c90001feedbeef") + bytes([0x81, 202]) + struct.pack(">H", len(chunk) // 4) + chunk
    feedback += bytes.fromhex("81cd0003feedbeef1122334403e80005")
    feedback += bytes.fromhex("81ce0002feedbeef11223344")
    feedback += bytes.fromhex("84ce0004feedbeef00000000112233440100000000")[:20]
    seed("media-rtcp-feedback", 5, feedback)
    seed("media-srtp-cm-rtp", 6, bytes.fromhex(cm[0][2]))
    seed("media-srtp-cm-rtcp", 6, next(bytes.fromhex(p) for kind, _, p in cm if kind == "rtcp"))
    seed("media-srtp-gcm-rtp", 7, bytes.fromhex(gcm[0][2]))
    seed("media-srtp-gcm-rtcp", 7, next(bytes.fromhex(p) for kind, _, p in gcm if kind == "rtcp"))
    seed("media-h264-receiver-keyframe", 8, script(video[:40], None))
    seed("media-opus-receiver", 9, script(audio[:30], None))
    datagrams = b""
    for channel, micros, _, plain in records[:48]:
        datagrams += struct.pack(">BH", 1 if channel in (1, 3) else 0, len(plain)) + plain
        datagrams += struct.pack(">BH", 2, 10)
    seed("media-receiver-datagrams", 10, datagrams)


main()
