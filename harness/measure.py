"""What the benchmarks measure: CPU and RSS of processes from /proc, bytes a server's sockets
delivered (ss), and the machine they ran on."""
import os
import re
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
# Servers on one core, load (publishers, players, viewers) on the other.
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1")


def cpu_seconds(pids):
    """utime + stime of the processes (all their threads) and of the children they have
    reaped (ours: the thumbnail decoder's ffmpeg), in seconds."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))  # fields 14-17 of stat
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


def established(port):
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    return len(out.splitlines())


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


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} × {model}, load average {os.getloadavg()[0]:.2f}"
