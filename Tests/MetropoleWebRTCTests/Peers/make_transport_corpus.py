#!/usr/bin/env python3
"""Writes the transport half's fuzz seeds into Fixtures/corpus (names start with transport-).

Byte 0 selects the target in Sources/MetropoleWebRTCFuzz/main.swift: 0 STUN, 1 SDP offer,
2 DTLS datagrams into a server, 3 datagrams through the demux; 2 and 3 take datagrams each
prefixed by a 16-bit big-endian length. The DTLS ClientHello is a real one from pyOpenSSL
(what aiortc's DTLS uses); STUN seeds are the RFC 5769 vectors and aiortc's captured check.
    python3 make_transport_corpus.py
"""
import pathlib
import struct

from OpenSSL import SSL

here = pathlib.Path(__file__).resolve().parent.parent / "Fixtures"
corpus = here / "corpus"

RFC5769 = {
    "request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014 9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
    "ipv4": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
    "ipv6": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
}


def client_hello():
    context = SSL.Context(SSL.DTLS_METHOD)
    context.set_tlsext_use_srtp(b"SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80")
    connection = SSL.Connection(context, None)
    connection.set_connect_state()
    try:
        connection.do_handshake()
    except SSL.WantReadError:
        pass
    return connection.bio_read(65536)


def datagrams(*items):
    return b"".join(struct.pack("!H", len(item)) + item for item in items)


def write(name, selector, payload):
    (corpus / f"transport-{name}").write_bytes(bytes([selector]) + payload)


corpus.mkdir(exist_ok=True)
for name, text in RFC5769.items():
    write(f"stun-rfc5769-{name}", 0, bytes.fromhex(text.replace(" ", "")))
aiortc_check = bytes.fromhex((here / "stun" / "aiortc-binding-request.txt").read_text().strip())
write("stun-aiortc", 0, aiortc_check)
for offer in sorted((here / "offers").glob("*.sdp")):
    write(f"sdp-{offer.stem}", 1, offer.read_bytes())
hello = client_hello()
write("dtls-client-hello", 2, datagrams(hello))
rtp = bytes.fromhex("80e0000100000000deadbeef") + bytes(32)
rtcp = bytes.fromhex("81c90001deadbeef") + bytes(24)
write("demux-mixed", 3, datagrams(aiortc_check, hello, rtp, rtcp, b"\x40\x00\x00\x00"))
