"""Loaded by schemathesis in e2e/test_operations.py (SCHEMATHESIS_HOOKS): WHIP's text bodies
(an SDP offer, a trickled SDP fragment) go out as the text they are."""
import schemathesis


@schemathesis.serializer("application/sdp", "application/trickle-ice-sdpfrag")
def sdp_text(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", errors="surrogatepass")
