"""Smoke tests of the benchmarks' load generators (Tools/LoadGenerators): each runs briefly
against the real binary with a real stream, and what it reports must be what happened — so a
benchmark that runs them is measuring something real."""
import pytest

from harness import binaries, load_tools, processes
from harness.media import TEST_CLIP, clip, clip_mbps, publish
from harness.processes import wait_until
from harness.server import Server

# The test clip's media frames per second: 30 video, 48,000 / 1,024 AAC.
FRAMES_PER_SECOND = 30 + 48_000 / 1_024


@pytest.fixture(scope="module", autouse=True)
def built():
    """The tools package, built once (debug) unless METROPOLE_LOAD_BIN_DIR names prebuilt tools."""
    binaries.build_load_tools("debug")


@pytest.fixture
def live(server):
    """`server` with the channel Caster live, ffmpeg publishing the test clip."""
    _, url = server.channel("Caster")
    publisher = publish(url)
    assert wait_until(lambda: server.is_live("Caster"), 10), "the stream did not go live"
    yield server
    processes.stop(publisher)


def run_viewers(server, count, settle, measure, tmp_path):
    """Runs `count` viewers, one of them timing fragments; returns (events by name, the
    server's viewer count during the window, the fragment log)."""
    log = tmp_path / "fragments.txt"
    load = load_tools.viewers(server.ws_url("Caster"), count, settle, measure, configuration="debug",
                              latency_viewers=1, latency_log=str(log))
    seen, counted = {}, None
    for event in load_tools.events(load):
        seen[event["event"]] = event
        if event["event"] == "measure-start":
            counted = wait_until(lambda: server.stream("Caster")["viewerCount"] == count, measure - 0.5)
    assert load.wait(30) == 0
    return seen, counted, load_tools.read_fragments(log)


def test_video_load_viewers_get_the_whole_stream(live, tmp_path):
    # act
    seen, counted, fragments = run_viewers(live, 3, settle=1, measure=3, tmp_path=tmp_path)
    # check: three distinct viewers, none failed, stalled or closed.
    assert seen["connected"]["viewers"] == 3 and seen["connected"]["failed"] == 0, seen["connected"]
    summary = seen["summary"]
    assert (summary["connected"], summary["connectFailures"], summary["stalledViewers"], summary["closedViewers"]) == (3, 0, 0, 0), summary
    assert counted, "the server did not count three viewers"
    # Each got the stream's bit rate, in steady messages (one per delivery: the server batches
    # what one read brought, some 25 a second).
    mbps = summary["viewerBytesMin"] * 8 / summary["windowSeconds"] / 1e6
    stream_mbps = clip_mbps(clip(**TEST_CLIP))
    assert 0.5 * stream_mbps <= mbps <= 2 * stream_mbps, (mbps, stream_mbps)
    assert summary["viewerMessagesMin"] >= 5 * summary["windowSeconds"] and summary["maxGapMsMax"] < 1000, summary
    # The timing viewer logged every fragment: one per media frame, video decode times increasing.
    assert summary["latencySamples"] == len(fragments)
    begin, end = seen["measure-start"]["wallNanoseconds"], seen["measure-end"]["wallNanoseconds"]
    in_window = [f for f in fragments if begin <= f[3] <= end]
    assert len(in_window) >= 0.7 * FRAMES_PER_SECOND * summary["windowSeconds"], len(in_window)
    video = [dts for _, is_video, dts, _ in fragments if is_video]
    assert video == sorted(video) and len(set(video)) == len(video), "video decode times must increase"
    assert 2000 <= video[-1] - video[0] <= 8000, (video[0], video[-1])


def test_video_load_relay_times_the_frames_viewers_get(server, tmp_path):
    # setup: the publisher goes through the timing relay.
    _, url = server.channel("Caster")
    relay = load_tools.Relay(server.rtmp_port, str(tmp_path / "arrivals.txt"), configuration="debug")
    publisher = publish(relay.url(url))
    try:
        assert wait_until(lambda: server.is_live("Caster"), 10), "the stream did not go live through the relay"
        # act
        seen, _, fragments = run_viewers(server, 1, settle=1, measure=3, tmp_path=tmp_path)
    finally:
        processes.stop(publisher)
    logged = relay.finish()
    # check: the relay saw real-time media (ffmpeg -re) with the clip's frame rates.
    arrivals = load_tools.read_arrivals(tmp_path / "arrivals.txt")
    assert logged >= len(arrivals) > 0
    video = sorted(ts for is_video, ts in arrivals if is_video)
    audio = [ts for is_video, ts in arrivals if not is_video]
    seconds = (video[-1] - video[0]) / 1000
    assert seconds > 3, seconds
    assert 25 <= len(video) / seconds <= 35 and 40 <= len(audio) / seconds <= 55, (len(video), len(audio), seconds)
    # Every video fragment the viewer timed in its window is a frame the relay timed (the
    # relay's timestamps are the server's decode times), delivered after it arrived.
    begin, end = seen["measure-start"]["wallNanoseconds"], seen["measure-end"]["wallNanoseconds"]
    timed = [(dts, wall) for _, is_video, dts, wall in fragments if is_video and begin <= wall <= end]
    assert len(timed) >= 0.5 * 30 * 3, len(timed)
    unmatched = [dts for dts, _ in timed if (1, dts) not in arrivals]
    assert not unmatched, f"fragments without an arrival: {unmatched[:5]}"
    delays_ms = [(wall - arrivals[(1, dts)]) / 1e6 for dts, wall in timed]
    assert 0 <= min(delays_ms) and max(delays_ms) < 1000, (min(delays_ms), max(delays_ms))


def test_chat_load_delivers_every_message_with_latencies(data_dir):
    # setup: the sender posts far beyond the normal rate limit, as in scripts/bench/chat.
    server = Server(data_dir, env={"METROPOLE_CHAT_RATE_LIMIT": "1000000/1000000"}).start()
    try:
        token = server.sign_up("bench")
        # act: 50 raw readers plus the sender, 2 s at 10 msg/s, then 2 s flooding.
        report = load_tools.chat(server.http_port, "bench", token, sockets=50, seconds_per_phase=2,
                                 configuration="debug", server_pid=server.process.pid, threads=1, timeout=120)
    finally:
        server.stop()
    # check: every socket held; every message reached all 51 sockets, with sane latencies.
    assert (report["held"], report["failed"], report["dropped"]) == (50, 0, 0), report
    steady, burst = report["phases"]["latency"], report["phases"]["throughput"]
    assert 15 <= steady["sent"] <= 25, steady
    for phase in (steady, burst):
        assert phase["expected"] == phase["sent"] * 51, phase
        assert phase["deliveries"] == phase["expected"], phase
        # Latency is the benchmark's business (scripts/bench/chat); here, a flood on a debug
        # build queues for seconds on a busy CI machine. Only the steady phase is bounded, and
        # loosely: a message still late by 5 s at 10 msg/s means delivery is broken.
        assert 0 <= phase["p50"] <= phase["p99"], phase
    assert steady["p99"] < 5000, steady
    assert burst["sent"] > steady["sent"], "flooding sends faster than 10 msg/s"
    assert report["rss_kib_per_socket"] is not None, "the server's memory was not read"
