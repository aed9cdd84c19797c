"""Ingest benchmark: see scripts/bench/ingest."""
import os
import time

from harness import bench, processes
from harness.measure import Meter, machine, rss_mib
from harness.nginx import NginxRTMP
from harness.processes import stop_all, wait_for
from harness.report import log, median, table

PUBLISHERS = [int(n) for n in os.environ.get("BENCH_PUBLISHERS", "10 50").split()]
REPS = int(os.environ.get("BENCH_REPS", "3"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "30"))


def run_ours(server, count):
    names = [f"bench{i:03d}" for i in range(count)]
    publishers = [bench.publish(server.channel(name)[1]) for name in names]
    try:
        wait_for(f"{count} streams live on ours", lambda: all(server.is_live(n) for n in names), 30, 0.5)
        time.sleep(WARMUP)
        meter = Meter(server.pids).start()
        time.sleep(WINDOW)
        meter.stop()
        alive = sum(p.poll() is None for p in publishers)
        live = sum(server.is_live(n) for n in names)
        return meter, f"{live}/{count} live, {alive} publishers running"
    finally:
        stop_all(publishers)
        wait_for("streams offline", lambda: not any(server.is_live(n) for n in names), 20, 0.5)


def run_nginx(nginx, count):
    keys = [f"bench{i:03d}" for i in range(count)]
    publishers = [bench.publish(nginx.url(key)) for key in keys]
    try:
        def playlists():
            return sum(os.path.exists(os.path.join(nginx.hls_dir, k + ".m3u8")) for k in keys)
        wait_for(f"{count} HLS playlists from nginx", lambda: playlists() == count, 30, 0.5)
        time.sleep(WARMUP)
        meter = Meter(nginx.pids).start()
        time.sleep(WINDOW)
        meter.stop()
        fresh = sum(time.time() - os.path.getmtime(os.path.join(nginx.hls_dir, k + ".m3u8")) < 5 for k in keys)
        return meter, f"{fresh}/{count} playlists fresh"
    finally:
        stop_all(publishers)
        time.sleep(1)


def main():
    processes.cleanup_on_signals()
    bench.clip()
    log(f"machine: {machine()}; servers on CPU 0, publishers on CPU 1; {REPS} reps x {WINDOW:.0f} s")
    ours = bench.metropole()
    nginx = NginxRTMP(hls=True)
    for count in PUBLISHERS:  # accounts first: password hashing must not fall in a window
        for i in range(count):
            ours.channel(f"bench{i:03d}")
    time.sleep(2)
    idle = rss_mib(ours.pids)
    log(f"ours idle, accounts made: RSS {idle:.1f} MiB")
    rows = []
    for count in PUBLISHERS:
        results = {"ours": [], "nginx": []}
        for rep in range(REPS):
            order = [("ours", run_ours, ours), ("nginx", run_nginx, nginx)]
            if rep % 2:
                order.reverse()
            for name, run, server in order:
                meter, check = run(server, count)
                ms_per_stream_second = meter.cpu * 1000 / (count * meter.seconds)
                results[name].append((ms_per_stream_second, meter.rss))
                log(f"{count} publishers, rep {rep + 1}, {name}: {ms_per_stream_second:.2f} ms CPU per "
                    f"stream-second, RSS {meter.rss:.1f} MiB ({check})")
        per_rep = [o[0] / n[0] for o, n in zip(results["ours"], results["nginx"])]
        ours_ms = median([r[0] for r in results["ours"]])
        nginx_ms = median([r[0] for r in results["nginx"]])
        ours_rss = median([r[1] for r in results["ours"]])
        per_stream = (ours_rss - idle) / count
        rows.append([count, f"{ours_ms:.2f}", f"{nginx_ms:.2f}", f"{ours_ms / nginx_ms:.2f}x",
                     " ".join(f"{r:.2f}" for r in per_rep),
                     f"{ours_rss:.1f}", f"{per_stream:.2f}", f"{median([r[1] for r in results['nginx']]):.1f}",
                     "yes" if ours_ms / nginx_ms <= 0.5 else "NO", "yes" if per_stream <= 3 else "NO"])
    print(f"\nIngest cost, medians of {REPS} runs, {WINDOW:.0f} s windows ({time.strftime('%Y-%m-%d')}, {machine()})")
    print("CPU = milliseconds of server CPU per stream-second; RSS at the end of the window; "
          f"per stream = (RSS - idle {idle:.1f} MiB) / publishers\n")
    table(["publishers", "ours ms/s", "nginx ms/s", "ratio", "per-run ratios", "ours RSS MiB", "MiB/stream",
           "nginx RSS MiB", "CPU <=0.5x", "<=3 MiB/stream"], rows)


if __name__ == "__main__":
    main()
