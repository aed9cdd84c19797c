"""Running the load generators (Tools/LoadGenerators, decision 0015) and reading what they
report: JSON event lines from metropole-video-load, its arrival and fragment logs, and the
report metropole-chat-load prints."""
import json
import re
import subprocess

from harness import binaries, processes


def viewers(url, count, settle, measure, configuration="release", cpu=None, concurrency=32, latency_viewers=0,
            latency_log=None, go_ahead=False):
    """`metropole-video-load viewers`: `count` WebSocket viewers of `url`. With `go_ahead` the
    tool waits after its window for a line on stdin (`go_ahead_after(process)`), so the caller
    can sample the server before the viewers close."""
    args = [binaries.load_tool("metropole-video-load", configuration), "viewers", "--url", url, "--viewers", str(count),
            "--settle", str(settle), "--measure", str(measure), "--concurrency", str(concurrency)]
    if latency_viewers:
        args += ["--latency-viewers", str(latency_viewers), "--latency-log", latency_log]
    if go_ahead:
        args += ["--wait-stdin", "1"]
    return processes.spawn(args, cpu=cpu, stdin=subprocess.PIPE if go_ahead else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def llhls(url, readers, seconds, configuration="debug", cpu=None, threads=1, timeout=None):
    """`metropole-video-load llhls`: `readers` LL-HLS readers of the playlist at `url` for
    `seconds`; its summary (parts served, the slowest reader's parts, ms behind live at the
    median, p95 and max, and errors by kind)."""
    args = [binaries.load_tool("metropole-video-load", configuration), "llhls", "--url", url,
            "--readers", str(readers), "--seconds", str(seconds), "--threads", str(threads)]
    process = processes.spawn(args, cpu=cpu, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=timeout or seconds + 60)
    finally:
        processes.stop(process)
    summaries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not summaries:
        raise RuntimeError(f"metropole-video-load llhls exited with {process.returncode}: {output}")
    return summaries[-1]


def go_ahead(process):
    process.stdin.write("go\n")
    process.stdin.close()


def events(process, on_text=None):
    """The JSON events of a tool's output, as they come; other lines go to `on_text`."""
    for line in process.stdout:
        if line.startswith("{"):
            yield json.loads(line)
        elif on_text and line.strip():
            on_text(line.strip())


class Relay:
    """`metropole-video-load rtmp-proxy`: relays a publisher to `target_port` and logs when each
    audio and video message arrived. Publish to `url(path)`; `finish()` writes the log."""

    def __init__(self, target_port, arrival_log, configuration="release", cpu=None):
        self.port = processes.free_port()
        self.arrival_log = arrival_log
        self.process = processes.spawn(
            [binaries.load_tool("metropole-video-load", configuration), "rtmp-proxy", "--listen", str(self.port),
             "--target", str(target_port), "--arrival-log", arrival_log],
            cpu=cpu, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.process.stdout.readline() or "{}")
        if ready.get("event") != "proxy-ready":
            raise RuntimeError(f"rtmp-proxy did not start: {ready}")

    def url(self, rtmp_url):
        """`rtmp_url` (the server's publish URL) through the relay."""
        return re.sub(r"^rtmp://[^/]+/", f"rtmp://127.0.0.1:{self.port}/", rtmp_url)

    def finish(self, timeout=10):
        """Closes the relay's stdin, so it writes its log; returns how many messages it logged."""
        self.process.stdin.close()
        done = json.loads(self.process.stdout.readline() or "{}")
        self.process.wait(timeout)
        processes.stop(self.process)
        if done.get("event") != "proxy-done":
            raise RuntimeError(f"rtmp-proxy ended without its log: {done}")
        return done["messages"]


def read_arrivals(path):
    """{(is_video, timestamp ms): wall ns of the first arrival} from a relay's log."""
    arrivals = {}
    with open(path) as f:
        for line in f:
            video, timestamp, wall = map(int, line.split())
            arrivals.setdefault((video, timestamp), wall)
    return arrivals


def read_fragments(path):
    """[(viewer, is_video, decode time ms, wall ns)] from a viewers' latency log."""
    with open(path) as f:
        return [tuple(map(int, line.split())) for line in f]


def chat(port, channel, token, sockets, seconds_per_phase, configuration="release", server_pid=None, threads=None,
         timeout=None):
    """Runs `metropole-chat-load` to the end; returns its report (`parse_chat_report`)."""
    args = [binaries.load_tool("metropole-chat-load", configuration), "--port", str(port), "--channel", channel,
            "--token", token, "--sockets", str(sockets), "--latency-seconds", str(seconds_per_phase),
            "--throughput-seconds", str(seconds_per_phase)]
    if server_pid:
        args += ["--server-pid", str(server_pid)]
    if threads:
        args += ["--threads", str(threads)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"metropole-chat-load exited with {result.returncode}: {result.stderr}{result.stdout}")
    return parse_chat_report(result.stdout)


_NUMBER = r"([\d.]+)"


def parse_chat_report(text):
    """The figures of metropole-chat-load's report: sockets held and failed, per phase the
    messages sent, deliveries (and how many were expected), the rate and the p50/p99 latency in ms, the
    dropped sockets and, with a server pid, the server's RSS per idle socket in KiB."""
    held = re.search(r"held (\d+) sockets \((\d+) failed\)", text)
    phases = {}
    for name, title, body in re.findall(r"^(latency|throughput) phase ([^\n]*):\n((?:  [^\n]*\n?)+)", text, re.M):
        sent = re.search(r"(\d+) sent", title)
        deliveries = re.search(r"deliveries: (\d+) of (\d+) expected, (\d+) deliveries/s", body)
        latency = re.search(rf"latency: p50 {_NUMBER} ms, p99 {_NUMBER} ms", body)
        phases[name] = {"sent": int(sent[1]), "deliveries": int(deliveries[1]), "expected": int(deliveries[2]), "rate": int(deliveries[3]),
                        "p50": float(latency[1]), "p99": float(latency[2])}
    dropped = re.search(r"dropped sockets: (\d+)", text)
    rss = re.search(r"(-?[\d.]+) KiB per idle socket", text)
    if not (held and dropped and len(phases) == 2):
        raise ValueError(f"not a metropole-chat-load report:\n{text}")
    return {"held": int(held[1]), "failed": int(held[2]), "phases": phases, "dropped": int(dropped[1]),
            "rss_kib_per_socket": float(rss[1]) if rss else None}
