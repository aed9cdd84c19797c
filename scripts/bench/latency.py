"""Latency benchmark: see scripts/bench/latency."""
import http.client
import os
import re
import struct
import threading
import time

from harness import bench, llhls, load_tools, processes
from harness.measure import LOAD_CPU, machine
from harness.processes import stop, temp_dir, wait_for
from harness.report import log, percentile, table

WINDOW = float(os.environ.get("BENCH_WINDOW", "30"))
VIEWERS = int(os.environ.get("BENCH_LATENCY_VIEWERS", "5"))
SETTLE = 3.0


def moof_times(data, video_track=1):
    """(track id, tfdt) of each moof in an fMP4 byte string."""
    found, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size < 8:
            break
        if kind == b"moof":
            body = data[offset + 8:offset + size]
            traf = _child(body, b"traf")
            tfhd, tfdt = _child(traf or b"", b"tfhd"), _child(traf or b"", b"tfdt")
            if tfhd and tfdt:
                track = struct.unpack(">I", tfhd[4:8])[0]
                time_ = struct.unpack(">Q", tfdt[4:12])[0] if tfdt[0] == 1 else struct.unpack(">I", tfdt[4:8])[0]
                found.append((track, time_))
        offset += size
    return found


def _child(data, wanted):
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size < 8:
            return None
        if kind == wanted:
            return data[offset + 8:offset + size]
        offset += size
    return None


class HLSFollower(threading.Thread):
    """An LL-HLS client: blocking playlist reloads for the next part, then fetches that part.
    Records, per part, when it was listed and fetched and the last video decode time in it."""

    def __init__(self, port, username, seconds):
        super().__init__(daemon=True)
        self.port, self.base, self.seconds = port, f"/live/{username}/", seconds
        self.parts, self.hold_back, self.error = [], None, None
        self.video_track, self.timescale = None, None

    def get(self, connection, path):
        connection.request("GET", self.base + path)
        response = connection.getresponse()
        return response.status, response.read()

    def run(self):
        try:
            self._follow()
        except Exception as error:  # reported in the table, not raised in a thread
            self.error = repr(error)

    def _read_init(self, connection, playlist):
        uri = re.search(r'#EXT-X-MAP:URI="([^"]+)"', playlist).group(1)
        _, data = self.get(connection, uri)
        moov = _child(data[data.find(b"moov") - 4:], b"moov")
        offset = 0
        while offset + 8 <= len(moov):
            size, kind = struct.unpack(">I4s", moov[offset:offset + 8])
            if kind == b"trak":
                trak = moov[offset + 8:offset + size]
                tkhd, mdia = _child(trak, b"tkhd"), _child(trak, b"mdia")
                mdhd, hdlr = _child(mdia, b"mdhd"), _child(mdia, b"hdlr")
                if hdlr[8:12] == b"vide":
                    self.video_track = struct.unpack(">I", tkhd[12:16] if tkhd[0] == 0 else tkhd[20:24])[0]
                    self.timescale = struct.unpack(">I", mdhd[12:16] if mdhd[0] == 0 else mdhd[20:24])[0]
            offset += size

    def _follow(self):
        playlists = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        media = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        status, body = self.get(playlists, "index.m3u8")
        playlist = body.decode()
        self.hold_back = float(re.search(r"PART-HOLD-BACK=([\d.]+)", playlist).group(1))
        self._read_init(media, playlist)
        seen = set(self._parts(playlist))
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            msn, part = self._next(playlist)
            status, body = self.get(playlists, f"index.m3u8?_HLS_msn={msn}&_HLS_part={part}")
            listed = time.time_ns()
            if status != 200:
                time.sleep(0.05)
                continue
            playlist = body.decode()
            for name in self._parts(playlist):
                if name in seen:
                    continue
                seen.add(name)
                _, data = self.get(media, name)
                fetched = time.time_ns()
                times = [t for track, t in moof_times(data) if track == self.video_track]
                if times:
                    self.parts.append((name, max(times) * 1000 // self.timescale, listed, fetched))

    @staticmethod
    def _parts(playlist):
        return [part.uri for part in llhls.parse(playlist)[0]]

    @staticmethod
    def _next(playlist):
        """(msn, part) of the first part not yet in the playlist."""
        return llhls.parse(playlist)[1]


def main():
    processes.cleanup_on_signals()
    bench.clip()
    log(f"machine: {machine()}; server on CPU 0, relay, publisher and viewers on CPU 1")
    work = temp_dir("metropole-latency-")
    arrivals_path, viewers_path = os.path.join(work, "arrivals.txt"), os.path.join(work, "viewers.txt")
    server = bench.metropole()
    _, url = server.channel("lat")
    relay = load_tools.Relay(server.rtmp_port, arrivals_path, cpu=LOAD_CPU)
    publisher = bench.publish(relay.url(url))
    wait_for("the stream to go live", lambda: server.is_live("lat"), 30, 0.1)
    time.sleep(2)

    viewers = load_tools.viewers(server.ws_url("lat"), VIEWERS, SETTLE, WINDOW, cpu=LOAD_CPU,
                                 latency_viewers=VIEWERS, latency_log=viewers_path)
    hls = HLSFollower(server.http_port, "lat", SETTLE + WINDOW)
    window = {}
    summary = None
    for event in load_tools.events(viewers, on_text=lambda line: log("load: " + line)):
        if event["event"] == "connected":
            hls.start()
        elif event["event"] in ("measure-start", "measure-end"):
            window[event["event"]] = event["wallNanoseconds"]
        elif event["event"] == "summary":
            summary = event
    viewers.wait()
    hls.join(10)
    stop(publisher)
    relay.finish()
    stop(viewers)

    arrivals = load_tools.read_arrivals(arrivals_path)
    start = min(wall - ts * 1_000_000 for (video, ts), wall in arrivals.items() if video)
    begin, end = window["measure-start"], window["measure-end"]
    server_added, behind, unmatched = [], [], 0
    for _, video, dts, wall in load_tools.read_fragments(viewers_path):
        if not video or not begin <= wall <= end:
            continue
        arrival = arrivals.get((1, dts))
        if arrival is None:
            unmatched += 1
            continue
        server_added.append((wall - arrival) / 1e6)
        behind.append((wall - start - dts * 1_000_000) / 1e6)
    listed, fetched, player = [], [], []
    for name, dts, listed_at, fetched_at in hls.parts:
        if (1, dts) in arrivals and listed_at >= begin:
            listed.append((listed_at - arrivals[(1, dts)]) / 1e6)
            lag = (fetched_at - start - dts * 1_000_000) / 1e6
            fetched.append(lag)
            player.append(lag + hls.hold_back * 1000)

    def row(name, values, goal_p50, goal_p99, note):
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        met = (goal_p50 is None or p50 < goal_p50) and (goal_p99 is None or p99 < goal_p99)
        return [name, len(values), f"{p50:.1f}", f"{p99:.1f}", f"{max(values):.1f}" if values else "-",
                note, "yes" if values and met else "NO"]

    print(f"\nLatency of ours, {WINDOW:.0f} s window, {VIEWERS} WebSocket viewers + 1 LL-HLS client "
          f"({time.strftime('%Y-%m-%d')}, {machine()})")
    print(f"viewer summary: {summary['connected']}/{VIEWERS} connected, {summary['stalledViewers']} stalled; "
          f"{unmatched} fragments without a matching arrival; HLS client: {len(hls.parts)} parts"
          + (f", error {hls.error}" if hls.error else "") + "\n")
    table(["measure (ms)", "samples", "p50", "p99", "max", "what", "goal met"], [
        row("(a) server-added", server_added, 50, 150, "frame's last byte in -> its WebSocket fragment out; goal p50<50 p99<150"),
        row("(b) WebSocket behind publisher", behind, None, 1000, "fragment out - (publisher start + T); goal <1000"),
        row("(c) LL-HLS part listed", listed, None, None, "blocking reload answered - frame's last byte in"),
        row("(c) LL-HLS part fetched", fetched, None, None, "part downloaded - (publisher start + T of its last frame)"),
        row(f"(c) LL-HLS player (+{hls.hold_back:.1f} s hold-back)", player, None, 2500,
            "part fetched + PART-HOLD-BACK; goal <2500"),
    ])


if __name__ == "__main__":
    main()
