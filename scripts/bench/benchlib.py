"""Shared pieces of scripts/bench: the test clip, our server and nginx-rtmp on loopback,
publishers, per-process CPU and RSS, and tables. Python standard library only.

Every process started here runs in its own session and is tracked; `cleanup()` (registered
for exit, SIGINT and SIGTERM) ends them all, so an interrupted run leaves nothing behind.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.environ.get("METROPOLE_BIN_DIR", os.path.join(ROOT, ".build", "release"))
# The load generators are a package of their own (Tools/LoadGenerators); build.sh builds them.
LOAD_BIN_DIR = os.environ.get("METROPOLE_LOAD_BIN_DIR", os.path.join(ROOT, "Tools", "LoadGenerators", ".build", "release"))
CACHE = os.environ.get("METROPOLE_BENCH_CACHE", os.path.expanduser("~/.cache/metropole-bench"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Servers on one core, load (publishers, players, viewers) on the other.
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1")

_children = []
_temp_dirs = []


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- processes ---------------------------------------------------------------------------------

def spawn(args, cpu=None, env=None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs):
    """Starts a tracked child in its own session, pinned to `cpu` when given."""
    if cpu is not None and shutil.which("taskset"):
        args = ["taskset", "-c", str(cpu)] + list(args)
    process = subprocess.Popen(args, env=env, stdout=stdout, stderr=stderr, start_new_session=True, **kwargs)
    _children.append(process)
    return process


def stop(process, timeout=5.0):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    if process in _children:
        _children.remove(process)


def stop_all(processes):
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for process in processes:
        stop(process)


def cleanup():
    stop_all(list(_children))
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)
    _temp_dirs.clear()


def _on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


atexit.register(cleanup)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGTERM, _on_signal)


def temp_dir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    _temp_dirs.append(path)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# -- CPU and memory from /proc -----------------------------------------------------------------

def cpu_seconds(pids):
    """utime + stime of the processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat
    return total / CLK_TCK


def rss_mib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def children_of(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError):
                pass
    return found


def bytes_sent(port):
    """Bytes the server acknowledged as delivered on its established sockets of `port` (ss)."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    return sum(int(n) for n in re.findall(r"bytes_acked:(\d+)", out))


class Meter:
    """CPU of some processes over a window: `start()`, wait, `stop()`."""

    def __init__(self, pids):
        self.pids = pids

    def start(self):
        self.t0, self.c0 = time.monotonic(), cpu_seconds(self.pids)
        return self

    def stop(self):
        self.seconds = time.monotonic() - self.t0
        self.cpu = cpu_seconds(self.pids) - self.c0
        self.rss = rss_mib(self.pids)
        return self


# -- build, clip -------------------------------------------------------------------------------

def binary(name):
    path = os.path.join(BIN_DIR if name == "metropole" else LOAD_BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise SystemExit(f"{path} is missing: run scripts/bench/build.sh first")
    return path


def clip():
    """The 60 s 720p30 H.264 2.5 Mbps + AAC clip of TOOLCHAIN.md, made once into the cache."""
    path = os.path.join(CACHE, "clip-720p30-2500k-60s.flv")
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    log(f"generating the test clip into {path} (about a minute, once)")
    partial = path + ".partial.flv"
    subprocess.run([
        "ffmpeg", "-v", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "60",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k", "-g", "60", "-keyint_min", "60",
        "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", partial,
    ], check=True)
    os.rename(partial, path)
    return path


def publish(url, cpu=LOAD_CPU):
    """ffmpeg sending the clip in real time, copied, as the benchmarks prescribe."""
    return spawn(["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-re", "-stream_loop", "-1",
                  "-i", clip(), "-c", "copy", "-f", "flv", url], cpu=cpu)


# -- our server --------------------------------------------------------------------------------

class Metropole:
    def __init__(self, cpu=SERVER_CPU):
        self.data = temp_dir("metropole-bench-")
        self.http_port, self.rtmp_port = free_port(), free_port()
        env = dict(os.environ, METROPOLE_DATA_DIR=self.data, METROPOLE_HTTP_PORT=str(self.http_port),
                   METROPOLE_RTMP_PORT=str(self.rtmp_port), LOG_LEVEL=os.environ.get("LOG_LEVEL", "warning"))
        self.log_path = os.path.join(self.data, "server.log")
        self.process = spawn([binary("metropole")], cpu=cpu, env=env, cwd=ROOT,
                             stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.http_port}"
        wait_until(self._healthy, 30, 0.05, "metropole /healthz")
        self.keys = {}

    @property
    def pids(self):
        return [self.process.pid]  # taskset execs the server: same pid

    def _healthy(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"metropole exited: {open(self.log_path).read()[-2000:]}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, method, path, body=None, token=None):
        request = urllib.request.Request(self.url + "/api/v1" + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def channel(self, username):
        """Creates `username` (one user, one stream) and returns its RTMP publish URL."""
        if username not in self.keys:
            password = "bench-password-1"
            self.api("POST", "/users", {"username": username, "password": password})
            token = self.api("POST", "/sessions", {"username": username, "password": password})["token"]
            ingress = self.api("POST", "/me/ingress", {"protocol": "rtmp"}, token)
            self.keys[username] = ingress["serverUrl"].rstrip("/") + "/" + ingress["streamKey"]
        return self.keys[username]

    def is_live(self, username):
        try:
            return bool(self.api("GET", f"/streams/{username}")["isLive"])
        except (OSError, urllib.error.HTTPError):
            return False

    def ws_url(self, username):
        return f"ws://127.0.0.1:{self.http_port}/live/{username}/ws"


# -- nginx-rtmp --------------------------------------------------------------------------------

NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


class NginxRTMP:
    """nginx + libnginx-mod-rtmp, one worker (as measured in TOOLCHAIN.md), on loopback."""

    def __init__(self, hls, cpu=SERVER_CPU):
        self.dir = temp_dir("nginx-rtmp-bench-")
        self.hls_dir = os.path.join(self.dir, "hls")
        os.makedirs(self.hls_dir)
        os.chmod(self.hls_dir, 0o777)
        self.rtmp_port = free_port()
        hls_block = f"hls on; hls_path {self.hls_dir}; hls_fragment 1s; hls_playlist_length 6s;" if hls else "hls off;"
        config = f"""
load_module {NGINX_MODULE};
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 8192; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.rtmp_port};
        chunk_size 4096;
        application live {{ live on; {hls_block} }}
    }}
}}
"""
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(config)
        self.process = spawn(["nginx", "-p", self.dir, "-e", f"{self.dir}/error.log", "-c", path], cpu=cpu)
        wait_until(lambda: self._listening(), 10, 0.05, "nginx-rtmp to listen")

    def _listening(self):
        if self.process.poll() is not None:
            raise RuntimeError("nginx exited: " + open(f"{self.dir}/error.log").read()[-2000:])
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.rtmp_port)) == 0

    @property
    def pids(self):
        return [self.process.pid] + children_of(self.process.pid)

    def url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"


# -- results -----------------------------------------------------------------------------------

def median(values):
    return statistics.median(values) if values else float("nan")


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).rjust(w) if isinstance(c, (int, float)) or str(c)[:1].isdigit() else str(c).ljust(w)
                        for c, w in zip(row, widths)))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} × {model}, load average {os.getloadavg()[0]:.2f}"
