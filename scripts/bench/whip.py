"""WHIP benchmark: see scripts/bench/whip."""
import os
import subprocess
import time

from harness import ROOT, bench, load_tools, media, processes
from harness.measure import LOAD_CPU, Meter, machine
from harness.processes import stop_all, temp_dir, wait_for
from harness.report import log, median, percentile, table

PUBLISHERS = int(os.environ.get("BENCH_WHIP_PUBLISHERS", "10"))
REPS = int(os.environ.get("BENCH_REPS", "2"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "20"))
PEER = os.path.join(ROOT, "Tests", "MetropoleWebRTCTests", "Peers", "aiortc_publisher.py")


def aiortc(server, name, seconds, frame_log=None):
    """An aiortc WHIP publisher (320x240 at 30 fps H.264, Opus) on the load core."""
    token = server.channel(name)[0]
    ingress = server.api("POST", "/me/ingress", {"protocol": "whip"}, token)[1]
    args = ["python3", PEER, f"--whip={ingress['serverUrl']}", f"--key={ingress['streamKey']}", "--seconds", str(seconds)]
    if frame_log:
        args += ["--frame-log", frame_log]
    return processes.spawn(args, cpu=LOAD_CPU, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def matching_clip(kbps):
    """An RTMP clip shaped like aiortc's stream: 320x240, 30 fps, the same video bit rate,
    no B-frames, and audio of the same rate class."""
    path = os.path.join(media.CACHE, f"clip-240p30-{kbps}k.flv")
    if not os.path.exists(path):
        os.makedirs(media.CACHE, exist_ok=True)
        subprocess.run([
            "ffmpeg", "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "60",
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{kbps}k", "-bf", "0", "-g", "60", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-f", "flv", path + ".partial.flv",
        ], check=True)
        os.replace(path + ".partial.flv", path)
    return path


def window(server, names, publishers):
    try:
        wait_for(f"{len(names)} streams live", lambda: all(server.is_live(n) for n in names), 60, 0.5)
        time.sleep(WARMUP)
        bitrates = [server.api("GET", "/me/stream/health", token=server.channel(n)[0])[1].get("bitrate") or 0 for n in names]
        meter = Meter(server.pids).start()
        time.sleep(WINDOW)
        meter.stop()
        live = sum(server.is_live(n) for n in names)
        return meter, median(bitrates), live
    finally:
        stop_all(publishers)
        wait_for("streams offline", lambda: not any(server.is_live(n) for n in names), 40, 0.5)


def cpu_runs(server):
    whip_names = [f"whip{i:02d}" for i in range(PUBLISHERS)]
    rtmp_names = [f"rtmp{i:02d}" for i in range(PUBLISHERS)]
    for name in whip_names + rtmp_names:
        server.channel(name)
    rows, whip_cost, rtmp_cost, kbps = [], [], [], None
    for rep in range(REPS):
        meter, bitrate, live = window(server, whip_names, [aiortc(server, n, WARMUP + WINDOW + 90) for n in whip_names])
        whip_ms = meter.cpu * 1000 / (meter.seconds * PUBLISHERS)
        whip_cost.append(whip_ms)
        kbps = kbps or max(100, int(round(bitrate / 1000 / 50) * 50))
        rows.append([f"WHIP x{PUBLISHERS} (aiortc)", rep + 1, f"{whip_ms:.2f}", f"{bitrate / 1000:.0f}", f"{live}/{PUBLISHERS}"])
        clip = matching_clip(kbps)
        publishers = [media.publish(server.channel(n)[1], path=clip, cpu=LOAD_CPU, stderr=subprocess.DEVNULL) for n in rtmp_names]
        meter, bitrate, live = window(server, rtmp_names, publishers)
        rtmp_ms = meter.cpu * 1000 / (meter.seconds * PUBLISHERS)
        rtmp_cost.append(rtmp_ms)
        rows.append([f"RTMP x{PUBLISHERS} (ffmpeg, matched clip)", rep + 1, f"{rtmp_ms:.2f}", f"{bitrate / 1000:.0f}", f"{live}/{PUBLISHERS}"])
    return rows, median(whip_cost), median(rtmp_cost)


def align(frames, fragments):
    """Capture time of each viewer fragment: the offset between aiortc's pts (90 kHz) and the
    feed's decode times (ms) is the one most fragments agree on (within a millisecond). The
    publisher skips frame slots in a pseudo-random pattern when it logs, so only the true
    offset makes every fragment land on a captured frame; a tie would be a wrong answer."""
    captures = {}
    for pts, wall in frames:
        captures.setdefault(round(pts / 90), wall)
    video = [(dts, wall) for _, is_video, dts, wall in fragments if is_video]
    sample = sorted({dts for dts, _ in video})[-200:]
    votes = {}
    for dts in sample:
        for ms in captures:
            votes[dts - ms] = votes.get(dts - ms, 0) + 1
    smoothed = {offset: sum(votes.get(offset + slack, 0) for slack in (-1, 0, 1)) for offset in votes}
    ranked = sorted(smoothed.items(), key=lambda item: -item[1])
    offset = ranked[0][0]
    runner_up = next((count for candidate, count in ranked[1:] if abs(candidate - offset) > 2), 0)
    if runner_up >= 0.95 * ranked[0][1]:
        raise SystemExit(f"alignment is ambiguous: {ranked[0][1]} vs {runner_up} of {len(sample)} fragments")
    delays = []
    for dts, wall in video:
        for slack in (0, -1, 1):
            capture = captures.get(dts - offset + slack)
            if capture is not None:
                delays.append((wall - capture) / 1e6)
                break
    return delays


def latency_run(server):
    work = temp_dir("metropole-bench-whip-")
    frame_log, fragment_log = os.path.join(work, "frames.log"), os.path.join(work, "fragments.log")
    publisher = aiortc(server, "latency", WARMUP + WINDOW + 30, frame_log)
    try:
        wait_for("the latency stream live", lambda: server.is_live("latency"), 30, 0.2)
        time.sleep(WARMUP)
        viewers = load_tools.viewers(server.ws_url("latency"), 3, settle=1, measure=WINDOW, cpu=LOAD_CPU,
                                     latency_viewers=3, latency_log=fragment_log)
        viewers.wait(WINDOW + 30)
    finally:
        processes.stop(publisher)
    with open(frame_log) as f:
        frames = [tuple(map(int, line.split())) for line in f if line.strip()]
    delays = align(frames, load_tools.read_fragments(fragment_log))
    return delays


def main():
    processes.cleanup_on_signals()
    log(f"machine: {machine()}; server on CPU 0, aiortc/ffmpeg/viewers on CPU 1; {REPS} reps x {WINDOW:.0f} s")
    server = bench.metropole()
    rows, whip_ms, rtmp_ms = cpu_runs(server)
    print(table(["publishers", "rep", "server ms CPU / stream-s", "video kbps", "live"], rows))
    ratio = whip_ms / rtmp_ms
    print(f"\nWHIP / RTMP CPU per stream (medians): {whip_ms:.2f} / {rtmp_ms:.2f} ms = {ratio:.2f}x (goal <= 1.5x)")
    delays = latency_run(server)
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    print(f"publisher-to-viewer through WHIP -> WebSocket fMP4, {len(delays)} video fragments: "
          f"p50 {p50:.0f} ms, p90 {percentile(delays, 0.9):.0f} ms, p99 {p99:.0f} ms (goal p50 < 150 ms)")
    server.stop()
    met = ratio <= 1.5 and p50 < 150
    print("goals met" if met else "goals NOT met")


if __name__ == "__main__":
    main()
