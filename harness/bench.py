"""What every benchmark starts the same way: our server from the release build on the server
core, publishers of the benchmark clip on the load core."""
import os
import subprocess

from harness import binaries, media, processes
from harness.measure import LOAD_CPU, SERVER_CPU
from harness.server import Server


def metropole(env=None):
    """A started `metropole` (release) pinned to the server core, its data in a temporary
    directory removed at exit."""
    work = processes.temp_dir("metropole-bench-")
    settings = {"LOG_LEVEL": os.environ.get("LOG_LEVEL", "warning"), **(env or {})}
    return Server(os.path.join(work, "data"), env=settings, binary=binaries.metropole("release"),
                  cpu=SERVER_CPU).start(timeout=30)


def clip():
    return media.clip(**media.BENCH_CLIP)


def publish(url):
    """ffmpeg looping the benchmark clip in real time, copied, on the load core."""
    return media.publish(url, path=clip(), cpu=LOAD_CPU, stderr=subprocess.DEVNULL)
