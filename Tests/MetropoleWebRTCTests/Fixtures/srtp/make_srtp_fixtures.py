#!/usr/bin/env python3
"""Writes SRTP/SRTCP packets protected by libsrtp (through pylibsrtp) as hex text fixtures.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pylibsrtp
    /tmp/venv/bin/python make_srtp_fixtures.py

Each output file starts with `key <master key><master salt>` and then has one line per
packet: `rtp|rtcp <plaintext hex> <protected hex>`, in the order libsrtp protected them. The
RTP sequence numbers cross 65535 -> 0, so the fixtures also pin the rollover counter.
"""
import pathlib

from pylibsrtp import Policy, Session

HERE = pathlib.Path(__file__).parent
SSRC = 0x1A2B3C4D
RTCP_SSRC = 0x0BADCAFE


def rtp(seq, timestamp, payload, marker=False, csrcs=(), extension=None):
    first = 0x80 | len(csrcs) | (0x10 if extension is not None else 0)
    header = bytes([first, (0x80 if marker else 0) | 96])
    header += seq.to_bytes(2, "big") + timestamp.to_bytes(4, "big") + SSRC.to_bytes(4, "big")
    for csrc in csrcs:
        header += csrc.to_bytes(4, "big")
    if extension is not None:
        profile, data = extension
        header += profile.to_bytes(2, "big") + (len(data) // 4).to_bytes(2, "big") + data
    return header + payload


def receiver_report():
    # RR with one report block, then SDES CNAME: a compound packet as a receiver sends it.
    block = (0x11223344).to_bytes(4, "big") + bytes([3]) + (12).to_bytes(3, "big")
    block += (0x0001FFFF).to_bytes(4, "big") + (77).to_bytes(4, "big") + bytes(8)
    rr = bytes([0x81, 201]) + (7).to_bytes(2, "big") + RTCP_SSRC.to_bytes(4, "big") + block
    cname = b"metropole"
    chunk = RTCP_SSRC.to_bytes(4, "big") + bytes([1, len(cname)]) + cname + bytes([0])
    chunk += bytes((-len(chunk)) % 4)
    sdes = bytes([0x81, 202]) + (len(chunk) // 4).to_bytes(2, "big") + chunk
    return rr + sdes


def sender_report(ntp, rtp_time, packets, octets):
    body = RTCP_SSRC.to_bytes(4, "big") + ntp.to_bytes(8, "big") + rtp_time.to_bytes(4, "big")
    body += packets.to_bytes(4, "big") + octets.to_bytes(4, "big")
    return bytes([0x80, 200]) + (len(body) // 4).to_bytes(2, "big") + body


def packets():
    out = []
    for n in range(12):
        seq = (65530 + n) % 65536
        payload = bytes((seq * 7 + i) % 256 for i in range(40 + 97 * n % 900))
        kwargs = {}
        if n == 3:
            kwargs["csrcs"] = (0xDEADBEEF, 0x01020304)
        if n == 5:
            kwargs["extension"] = (0xBEDE, bytes([0x10, 0xAB, 0x22, 0x01, 0x02, 0x00, 0x00, 0x00]))
        out.append(("rtp", rtp(seq, 90000 + 3000 * n, payload, marker=n % 4 == 3, **kwargs)))
        if n % 5 == 2:
            out.append(("rtcp", sender_report(0xE8F1_0000_8000_0000 + n, 90000 + 3000 * n, n + 1, 1000 * n)))
        if n % 5 == 4:
            out.append(("rtcp", receiver_report()))
    return out


def write(name, profile, key_length, salt_length):
    master = bytes(range(0x40, 0x40 + key_length)) + bytes(range(0xA0, 0xA0 + salt_length))
    session = Session(policy=Policy(key=master, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile))
    lines = [f"key {master.hex()}"]
    for kind, plain in packets():
        protected = session.protect(plain) if kind == "rtp" else session.protect_rtcp(plain)
        lines.append(f"{kind} {plain.hex()} {protected.hex()}")
    (HERE / name).write_text("\n".join(lines) + "\n")


write("libsrtp-aes128-cm-sha1-80.txt", Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 16, 14)
write("libsrtp-aead-aes128-gcm.txt", Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 16, 12)
