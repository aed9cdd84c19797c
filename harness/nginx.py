"""Debian nginx on loopback, one worker (as measured in TOOLCHAIN.md): with libnginx-mod-rtmp
as the benchmarks' peer (HLS to disk or none), and as an HTTP cache in front of our server (the
CDN of e2e/test_cdn.py)."""
import os
import socket

from harness import processes
from harness.measure import SERVER_CPU, children_of

MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def start(directory, config, port, cpu=None, preamble="", log_level="warn"):
    """nginx with `config` (its files in `directory`), once it listens on `port`: one worker in
    the foreground, `preamble` (e.g. `load_module`) first."""
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w") as f:
        f.write(f"""{preamble}
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log {log_level};
events {{ worker_connections 8192; }}
{config}""")
    process = processes.spawn(["nginx", "-p", directory, "-e", f"{directory}/error.log", "-c", path], cpu=cpu)

    def listening():
        if process.poll() is not None:
            raise RuntimeError("nginx exited: " + open(f"{directory}/error.log").read()[-2000:])
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    processes.wait_for("nginx to listen", listening, 10, 0.05)
    return process


class NginxRTMP:
    def __init__(self, hls, cpu=SERVER_CPU):
        self.dir = processes.temp_dir("nginx-rtmp-bench-")
        self.hls_dir = os.path.join(self.dir, "hls")
        os.makedirs(self.hls_dir)
        os.chmod(self.hls_dir, 0o777)
        self.rtmp_port = processes.free_port()
        hls_block = f"hls on; hls_path {self.hls_dir}; hls_fragment 1s; hls_playlist_length 6s;" if hls else "hls off;"
        config = f"""
rtmp {{
    server {{
        listen 127.0.0.1:{self.rtmp_port};
        chunk_size 4096;
        application live {{ live on; {hls_block} }}
    }}
}}
"""
        self.process = start(self.dir, config, self.rtmp_port, cpu, preamble=f"load_module {MODULE};")

    @property
    def pids(self):
        return [self.process.pid] + children_of(self.process.pid)

    def url(self, key):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"


class NginxCache:
    """nginx (Debian) as an HTTP CDN in front of `origin_port`: `proxy_cache` honouring the
    origin's Cache-Control and Vary, concurrent misses collapsed by `proxy_cache_lock`. The
    access log records, per request, whether it reached the origin (`origin_requests`)."""

    # What `$upstream_cache_status` says of a request the cache did not answer alone.
    REACHED_ORIGIN = {"MISS", "BYPASS", "EXPIRED", "REVALIDATED", "-"}

    def __init__(self, origin_port, cpu=None):
        self.dir = processes.temp_dir("nginx-cache-")
        self.port = processes.free_port()
        config = f"""
http {{
    log_format cdn '$upstream_cache_status $status $request_uri';
    access_log {self.dir}/access.log cdn;
    proxy_cache_path {self.dir}/cache levels=1:2 keys_zone=hls:16m max_size=1g inactive=10m use_temp_path=off;
    keepalive_requests 100000;
    upstream origin {{ server 127.0.0.1:{origin_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache hls;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 10s;
            proxy_cache_lock_age 10s;
            proxy_read_timeout 30s;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""
        self.process = start(self.dir, config, self.port, cpu)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        """(cache status, HTTP status, request URI) of every request so far."""
        with open(os.path.join(self.dir, "access.log")) as f:
            return [tuple(line.split(" ", 2)) for line in f.read().splitlines() if line.count(" ") >= 2]
