"""Fan-out benchmark: see scripts/bench/fanout."""
import json
import os
import time

from harness import bench, load_tools, media, processes
from harness.measure import LOAD_CPU, Meter, bytes_sent, established, machine
from harness.nginx import NginxRTMP
from harness.processes import spawn, stop, stop_all, wait_for
from harness.report import log, median, table

VIEWERS = [int(n) for n in os.environ.get("BENCH_VIEWERS", "100 300").split()]
SCALE = int(os.environ.get("BENCH_SCALE_VIEWERS", "1000"))
REPS = int(os.environ.get("BENCH_REPS", "3"))
SETTLE = float(os.environ.get("BENCH_SETTLE", "5"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "20"))


def run_ours(server, count):
    """N WebSocket viewers; returns (meter, bytes delivered, load tool summary)."""
    load = load_tools.viewers(server.ws_url("fan"), count, SETTLE, WINDOW, cpu=LOAD_CPU, concurrency=32, go_ahead=True)
    meter, sent, summary = Meter(server.pids), 0, None
    for event in load_tools.events(load, on_text=lambda line: log("load: " + line)):
        if event["event"] == "connected":
            log(f"ours: {event['viewers']} viewers connected in {event['seconds']:.1f} s ({event['failed']} failed)")
        elif event["event"] == "measure-start":
            sent = bytes_sent(server.http_port)
            meter.start()
        elif event["event"] == "measure-end":
            meter.stop()
            sent = bytes_sent(server.http_port) - sent
            load_tools.go_ahead(load)
        elif event["event"] == "summary":
            summary = event
    load.wait()
    stop(load)
    if summary is None:
        raise RuntimeError("metropole-video-load ended without a summary")
    return meter, sent, summary


def run_nginx(nginx, count):
    players = [spawn(["rtmpdump", "-q", "-v", "-r", nginx.url("fan"), "-o", "/dev/null"], cpu=LOAD_CPU)
               for _ in range(count)]
    try:
        wait_for(f"{count} rtmpdump players", lambda: established(nginx.rtmp_port) >= count + 1, 30, 0.2)
        time.sleep(SETTLE)
        sent = bytes_sent(nginx.rtmp_port)
        meter = Meter(nginx.pids).start()
        time.sleep(WINDOW)
        meter.stop()
        sent = bytes_sent(nginx.rtmp_port) - sent
        alive = sum(p.poll() is None for p in players)
        return meter, sent, alive
    finally:
        stop_all(players)


def clip_mbps():
    return media.clip_mbps(bench.clip())


def full_rate(summary):
    """Every viewer got at least 90% of the stream's bit rate: none fell behind and skipped."""
    return summary["viewerBytesMin"] * 8 / 1e6 / summary["windowSeconds"] >= 0.9 * clip_mbps()


def gbit_per_cpu_second(sent, meter):
    return sent * 8 / 1e9 / meter.cpu if meter.cpu > 0 else float("inf")


def main():
    processes.cleanup_on_signals()
    bench.clip()
    log(f"machine: {machine()}; servers on CPU 0, load on CPU 1; {REPS} reps x {WINDOW:.0f} s")
    ours = bench.metropole()
    nginx = NginxRTMP(hls=False)
    ours_publisher = bench.publish(ours.channel("fan")[1])
    wait_for("our stream live", lambda: ours.is_live("fan"), 30, 0.2)
    rows = []
    for count in VIEWERS:
        results = {"ours": [], "nginx": []}
        for rep in range(REPS):
            meter, sent, summary = run_ours(ours, count)
            ok = (summary["connected"] == count and summary["stalledViewers"] == 0 and summary["closedViewers"] == 0
                  and full_rate(summary))
            results["ours"].append((gbit_per_cpu_second(sent, meter), meter, sent, ok))
            log(f"{count} viewers, rep {rep + 1}, ours: {gbit_per_cpu_second(sent, meter):.2f} Gbit/CPU-s, "
                f"CPU {meter.cpu / meter.seconds * 100:.0f}%, {sent * 8 / 1e9 / meter.seconds:.2f} Gbit/s sent, "
                f"client got {summary['gbps']:.2f} Gbit/s, stalled {summary['stalledViewers']}, "
                f"max gap {summary['maxGapMsMax']} ms, RSS {meter.rss:.0f} MiB")
            nginx_publisher = bench.publish(nginx.url("fan"))
            try:
                time.sleep(2)
                meter, sent, alive = run_nginx(nginx, count)
            finally:
                stop(nginx_publisher)
            results["nginx"].append((gbit_per_cpu_second(sent, meter), meter, sent, alive == count))
            log(f"{count} viewers, rep {rep + 1}, nginx: {gbit_per_cpu_second(sent, meter):.2f} Gbit/CPU-s, "
                f"CPU {meter.cpu / meter.seconds * 100:.0f}%, {sent * 8 / 1e9 / meter.seconds:.2f} Gbit/s sent, "
                f"{alive}/{count} players alive, RSS {meter.rss:.0f} MiB")
        o = median([r[0] for r in results["ours"]])
        n = median([r[0] for r in results["nginx"]])
        per_rep = " ".join(f"{a[0] / b[0]:.2f}" for a, b in zip(results["ours"], results["nginx"]))
        rows.append([count, f"{o:.2f}", f"{n:.2f}", f"{o / n:.2f}x", per_rep,
                     f"{median([r[1].cpu / r[1].seconds * 100 for r in results['ours']]):.0f}%",
                     f"{median([r[1].cpu / r[1].seconds * 100 for r in results['nginx']]):.0f}%",
                     f"{median([r[1].rss for r in results['ours']]):.0f}/{median([r[1].rss for r in results['nginx']]):.0f}",
                     "yes" if o / n >= 1.0 else "NO",
                     "yes" if all(r[3] for r in results["ours"]) else "NO"])

    scale = None
    if SCALE:
        meter, sent, summary = run_ours(ours, SCALE)
        scale = (meter, sent, summary)
        log(f"scale: {json.dumps(summary)}")
    stop(ours_publisher)

    print(f"\nFan-out of one 2.5 Mbps stream, medians of {REPS} runs, {WINDOW:.0f} s windows "
          f"({time.strftime('%Y-%m-%d')}, {machine()})")
    print("Gbit/CPU-s = bits the server's sockets delivered (ss bytes_acked) per second of server CPU\n")
    if rows:
        table(["viewers", "ours Gbit/CPU-s", "nginx Gbit/CPU-s", "ratio", "per-run ratios", "ours CPU", "nginx CPU",
               "RSS MiB ours/nginx", "goal >=1.0x", "ours no drops"], rows)
    if scale:
        meter, sent, s = scale
        ok = s["connected"] == SCALE and s["stalledViewers"] == 0 and s["closedViewers"] == 0 and full_rate(s)
        print(f"\n{SCALE} WebSocket viewers (ours alone): {s['connected']} connected, {s['connectFailures']} failed, "
              f"{s['closedViewers']} closed, {s['stalledViewers']} stalled (no message for > 2 s) in {s['windowSeconds']:.0f} s; "
              f"per viewer {s['viewerBytesMin'] * 8 / 1e6 / s['windowSeconds']:.2f}–"
              f"{s['viewerBytesMax'] * 8 / 1e6 / s['windowSeconds']:.2f} Mbit/s (stream {clip_mbps():.2f}), max gap between messages "
              f"{s['maxGapMsMax']} ms (median viewer {s['maxGapMsMedian']} ms); server CPU "
              f"{meter.cpu / meter.seconds * 100:.0f}%, {sent * 8 / 1e9 / meter.seconds:.2f} Gbit/s sent, "
              f"{gbit_per_cpu_second(sent, meter):.2f} Gbit/CPU-s, RSS {meter.rss:.0f} MiB — "
              f"goal (>= 1,000, no drops): {'yes' if ok and SCALE >= 1000 else 'NO'}")


if __name__ == "__main__":
    main()
