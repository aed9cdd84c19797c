"""Cluster events benchmark: see scripts/bench/events.

    python3 scripts/bench/events.py SECONDS DB_DIR     (DB_DIR: what `scripts/db/servers start` made)

Per backend (PostgreSQL LISTEN/NOTIFY, MariaDB events table): two web nodes on a fresh database,
S signed-in senders on web node 1's chat, one receiver on each node. Phase 1 sends a steady rate
and measures send → arrival latency at both receivers; phase 2 sends as fast as the cluster
carries and measures events/s arriving at web node 2, the CPU of the nodes and of the database,
and checks every message arrived once, in order.

Processes, so no one GIL is the bottleneck: one for the senders, one per receiver. Timestamps are
CLOCK_MONOTONIC, which every process on the machine shares; each message's text carries its
sender, its sequence number and the time it was sent.

The senders are raw sockets (handshake, masked text frames, a selector thread that reads and
discards): every sender socket gets every message of the channel, and parsing 20 copies of the
fan-out in Python would make the load generator the bottleneck. The receivers use
websockets.sync.client and decode every frame. Phase 2 keeps at most EVENTS_WINDOW messages in
flight (sent, not yet at web node 2), so the nodes' outboxes batch but the backlog (and the
latency under load) stays bounded; the report says how long the senders waited on that window:
near 100 % means the cluster, not the senders, set the pace.

Without the window (EVENTS_WINDOW=0) the senders outrun the nodes by far and web node 1 piles
up tens of thousands of events. That found the outbox sending them as one batch, which
PostgreSQL refused whole (over 1,664 `pg_notify` in one SELECT); batches are now at most
`Cluster.batchLimit` and a failed one is tried again. Node log lines are printed.

Environment: EVENTS_SENDERS (20), EVENTS_RATE (50 msg/s in phase 1), EVENTS_WINDOW (1000;
0 = no window, send as fast as the sockets take), EVENTS_BACKENDS ("postgres mariadb"),
EVENTS_DRAIN (60: the most seconds to wait for the last messages after phase 2).
"""
import base64
import hashlib
import json
import multiprocessing
import os
import selectors
import socket
import sys
import threading
import time

from harness import binaries, processes
from harness.cluster import Cluster
from harness.databases import create_database
from harness.measure import children_of, cpu_seconds, machine
from harness.report import log, percentile, table

SENDERS = int(os.environ.get("EVENTS_SENDERS", "20"))
RATE = float(os.environ.get("EVENTS_RATE", "50"))
WINDOW = int(os.environ.get("EVENTS_WINDOW", "1000"))
BACKENDS = os.environ.get("EVENTS_BACKENDS", "postgres mariadb").split()
NAMES = {"postgres": "PostgreSQL LISTEN/NOTIFY", "mariadb": "MariaDB events table"}
CHANNEL = "owner"
NODE_ENV = {"METROPOLE_CHAT_RATE_LIMIT": "100000/100000", "LOG_LEVEL": "warning"}
# How long after the senders stop the receivers may still be catching up (while messages keep
# arriving; 5 s without one ends the wait sooner).
DRAIN_SECONDS = float(os.environ.get("EVENTS_DRAIN", "60"))
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def chat_path(channel):
    return f"/api/v1/streams/{channel}/chat"


# ---------------------------------------------------------------------------------------------
# Message texts: "ev<phase> <sender> <seq> <monotonic send time>"


def text_for(phase, sender, seq, sent_at):
    return f"ev{phase} {sender:03d} {seq:07d} {sent_at:.6f}"


def parse(text):
    """(phase, sender, seq, sent_at), or None for a text that is not ours."""
    parts = text.split(" ")
    if len(parts) != 4 or not parts[0].startswith("ev"):
        return None
    return int(parts[0][2:]), int(parts[1]), int(parts[2]), float(parts[3])


# ---------------------------------------------------------------------------------------------
# Senders: raw WebSocket clients that write and never parse what they are sent


def client_frame(opcode, payload=b""):
    """A masked client frame; the mask key is zero, so the payload goes as is (RFC 6455 lets
    the client choose any key, and the server XORs with it all the same)."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return header + b"\0\0\0\0" + payload


def message_frame(text):
    return client_frame(0x1, json.dumps({"type": "message", "text": text}, separators=(",", ":")).encode())


PING = client_frame(0x9, b"k")
ERROR_MARK = b'"type":"error"'


def read_server_frame(sock, buffer):
    """(opcode, payload, rest) of the first whole unmasked frame in buffer + what sock sends."""
    while True:
        if len(buffer) >= 2:
            opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126 and len(buffer) >= 4:
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127 and len(buffer) >= 10:
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if length < 126 or offset > 2:
                if len(buffer) >= offset + length:
                    return opcode, buffer[offset:offset + length], buffer[offset + length:]
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        buffer += chunk


class RawSender:
    def __init__(self, port, channel, token):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {chat_path(channel)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Authorization: Bearer {token}\r\n\r\n").encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"chat handshake: closed after {buffer!r}")
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"chat handshake refused: {lines[0]}")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if not any(line.lower().startswith("sec-websocket-accept:") and line.split(":", 1)[1].strip() == accept
                   for line in lines):
            raise ConnectionError(f"chat handshake: expected Sec-WebSocket-Accept {accept}, got {lines}")
        opcode, payload, rest = read_server_frame(self.sock, rest)
        hello = json.loads(payload)
        if hello.get("type") != "hello" or not hello["you"]["canChat"]:
            raise RuntimeError(f"sender cannot chat: {hello}")
        self.sock.settimeout(None)
        self.pending = rest
        self.tail = b""
        self.errors = 0
        self.error_samples = []
        self.bytes_in = 0
        self.closed = False

    def scan(self, chunk):
        """Counts error frames in what the server sent (a refused message would otherwise look
        lost); the tail keeps a mark split between two reads."""
        self.bytes_in += len(chunk)
        data = self.tail + chunk
        start = 0
        while True:
            at = data.find(ERROR_MARK, start)
            if at < 0:
                break
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(data[max(0, at - 2):at + 200].decode(errors="replace"))
            start = at + 1
        self.tail = data[-(len(ERROR_MARK) - 1):]


def sender_main(port, channel, tokens, window, arrived, sent_total, ready, done, stop, results):
    """The sender process: connects every sender, then runs both phases on the plan (monotonic
    times) the main process sends once they are connected, keeps reading until `stop`, then
    reports."""
    senders = [RawSender(port, channel, token) for token in tokens]
    for sender in senders:
        if sender.pending:
            sender.scan(sender.pending)
    selector = selectors.DefaultSelector()
    for index, sender in enumerate(senders):
        selector.register(sender.sock, selectors.EVENT_READ, index)
    reading = threading.Event()
    reading.set()

    def read():
        while reading.is_set():
            for key, _ in selector.select(timeout=0.2):
                sender = senders[key.data]
                try:
                    chunk = sender.sock.recv(1 << 18)
                except OSError:
                    chunk = b""
                if not chunk:
                    sender.closed = True
                    selector.unregister(sender.sock)
                    continue
                sender.scan(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.set()
    seqs = [0] * len(senders)
    stats = {}

    # Phase 1: a steady rate, round robin.
    p1_start, p1_end, p2_start, p2_end = results.recv()
    k = 0
    late = 0.0
    time.sleep(max(0.0, p1_start - time.monotonic()))
    while True:
        due = p1_start + k / RATE
        if due >= p1_end:
            break
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        else:
            late = max(late, now - due)
        index = k % len(senders)
        senders[index].sock.sendall(message_frame(text_for(1, index, seqs[index], time.monotonic())))
        seqs[index] += 1
        k += 1
        sent_total.value += 1
    stats["p1"] = {"sent": k, "seconds": time.monotonic() - p1_start, "late_max": late}

    # Phase 2: as fast as the cluster carries, at most `window` messages in flight.
    time.sleep(max(0.0, p2_start - time.monotonic()))
    sent2, waited, sending = 0, 0.0, 0.0
    started = time.monotonic()
    burst = 8  # frames per socket per round: one sendall each
    while True:
        now = time.monotonic()
        if now >= p2_end:
            break
        if window > 0:
            # In flight: sent in either phase and not yet at web2.
            allowed = window - (stats["p1"]["sent"] + sent2 - arrived.value)
            if allowed <= 0:
                time.sleep(0.0005)
                waited += time.monotonic() - now
                continue
        else:
            allowed = burst * len(senders)
        per_socket = max(1, min(burst, allowed // len(senders)))
        t0 = time.monotonic()
        for index, sender in enumerate(senders):
            if allowed <= 0:
                break
            n = min(per_socket, allowed)
            frames = []
            for _ in range(n):
                frames.append(message_frame(text_for(2, index, seqs[index], time.monotonic())))
                seqs[index] += 1
            sender.sock.sendall(b"".join(frames))
            sent2 += n
            allowed -= n
            sent_total.value += n
        sending += time.monotonic() - t0
    elapsed = time.monotonic() - started
    stats["p2"] = {"sent": sent2, "seconds": elapsed, "waited": waited, "sending": sending}
    stats["per_sender"] = seqs
    done.set()

    # Keep reading (the server drops a reader that stops) and pinging (a sender silent for 30 s
    # is pinged, and one that never answers closed) until the receivers have caught up.
    while not stop.wait(5.0):
        for sender in senders:
            if not sender.closed:
                try:
                    sender.sock.sendall(PING)
                except OSError:
                    sender.closed = True
    reading.clear()
    reader.join()
    stats["errors"] = sum(s.errors for s in senders)
    stats["error_samples"] = [sample for s in senders for sample in s.error_samples][:5]
    stats["closed"] = sum(s.closed for s in senders)
    stats["bytes_in"] = sum(s.bytes_in for s in senders)
    for sender in senders:
        try:
            sender.sock.sendall(client_frame(0x8, (1000).to_bytes(2, "big")))
            sender.sock.close()
        except OSError:
            pass
    results.send(stats)


# ---------------------------------------------------------------------------------------------
# Receivers: one chat socket each (websockets), every message frame decoded and timed


def receiver_main(port, channel, arrived, ready, stop, results):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    socket_ = connect(f"ws://127.0.0.1:{port}{chat_path(channel)}", open_timeout=10, max_size=None, max_queue=None)
    hello = json.loads(socket_.recv(timeout=10))
    assert hello["type"] == "hello", hello
    records, others, closed = [], {}, None
    ready.set()
    try:
        while not stop.is_set():
            try:
                raw = socket_.recv(timeout=0.2)
            except TimeoutError:
                continue
            now = time.monotonic()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message" and frame["text"].startswith("ev"):
                records.append((frame["text"], now))
                arrived.value += 1
            else:
                others[kind] = others.get(kind, 0) + 1
    except ConnectionClosed as error:
        closed = repr(error)
    finally:
        try:
            socket_.close()
        except Exception:  # noqa: BLE001
            pass
    results.send({"records": records, "others": others, "closed": closed})


# ---------------------------------------------------------------------------------------------
# CPU of the nodes and of the database


def cpu_of(pid):
    try:
        return cpu_seconds([pid])
    except (OSError, IndexError, ValueError):
        return None


class DatabaseCPU:
    """CPU of the database server: mariadbd alone (threads), or the postmaster and every
    backend and helper process it forked."""

    def __init__(self, backend, db_dir):
        if backend == "mariadb":
            with open(os.path.join(db_dir, "mariadb", "pid")) as f:
                self.root = int(f.read().split()[0])
        else:
            with open(os.path.join(db_dir, "postgres", "data", "postmaster.pid")) as f:
                self.root = int(f.readline())
        self.backend = backend

    def pids(self):
        return [self.root] + (children_of(self.root) if self.backend == "postgres" else [])

    def sample(self):
        return {pid: value for pid in self.pids() if (value := cpu_of(pid)) is not None}

    @staticmethod
    def delta(before, after):
        # A process that appeared meanwhile counts whole; one that ended went into its parent's
        # reaped-children time (the postmaster's), counted there.
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())


# ---------------------------------------------------------------------------------------------
# One backend


def read_env(db_dir):
    env = {}
    with open(os.path.join(db_dir, "env")) as f:
        for line in f:
            if "=" in line:
                key, value = line.strip().split("=", 1)
                env[key] = value
    return env


class LogWatcher:
    """Reads the nodes' logs (LOG_LEVEL=warning: warnings and worse only) as they grow, so each
    line has the time it appeared, to place it in the run."""

    def __init__(self, cluster):
        self.servers = list(cluster)
        self.offsets = {server.name: 0 for server in self.servers}
        self.lines = []
        self.running = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _read(self):
        now = time.monotonic()
        for server in self.servers:
            try:
                with open(server.log_path, "rb") as f:
                    f.seek(self.offsets[server.name])
                    data = f.read()
            except OSError:
                continue
            # Whole lines only; a partial one is read again next time.
            cut = data.rfind(b"\n") + 1
            self.offsets[server.name] += cut
            self.lines += [(now, server.name, line) for line in data[:cut].decode(errors="replace").splitlines() if line.strip()]

    def _watch(self):
        while self.running:
            self._read()
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join()
        self._read()
        return self.lines


def cpu_wait_seconds(pid):
    """Time the process's threads spent runnable but waiting for a core (schedstat): how much
    the machine held it back."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        pass
    return total / 1e9


def io_syscalls(pid):
    """(read, write) system calls of a process so far (/proc/PID/io)."""
    try:
        with open(f"/proc/{pid}/io") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
        return int(fields["syscr"]), int(fields["syscw"])
    except (OSError, KeyError, ValueError):
        return 0, 0


def run_backend(backend, db_dir, seconds, context):
    base_url = read_env(db_dir)["POSTGRES_URL" if backend == "postgres" else "MYSQL_URL"]
    url = create_database(base_url)
    root = processes.temp_dir(f"metropole-events-{backend}-")
    cluster = Cluster(root, url, [("web1", "web"), ("web2", "web")], env=NODE_ENV, binary=binaries.metropole("release"))
    workers, watcher = [], None
    try:
        cluster.start()
        watcher = LogWatcher(cluster)
        web1, web2 = cluster["web1"], cluster["web2"]
        log(f"{backend}: web1 pid {web1.process.pid} (:{web1.http_port}), web2 pid {web2.process.pid} (:{web2.http_port})")
        web1.sign_up(CHANNEL)
        tokens = [web1.sign_up(f"sender{i:03d}") for i in range(SENDERS)]
        database_cpu = DatabaseCPU(backend, db_dir)

        arrived = {name: context.RawValue("q", 0) for name in ("web1", "web2")}
        sent_total = context.RawValue("q", 0)
        stop = context.Event()
        receivers = {}
        for name in ("web1", "web2"):
            ready, (mine, theirs) = context.Event(), context.Pipe(duplex=False)
            process = context.Process(target=receiver_main, daemon=True,
                                      args=(cluster[name].http_port, CHANNEL, arrived[name], ready, stop, theirs))
            process.start()
            workers.append(process)
            deadline = time.monotonic() + 15
            while not ready.wait(0.2):
                if not process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the receiver on {name} did not connect (see above)")
            receivers[name] = (process, mine)

        ready, done, (mine, theirs) = context.Event(), context.Event(), context.Pipe()
        sender = context.Process(target=sender_main, daemon=True,
                                 args=(web1.http_port, CHANNEL, tokens, WINDOW, arrived["web2"], sent_total,
                                       ready, done, stop, theirs))
        sender.start()
        workers.append(sender)
        deadline = time.monotonic() + 30
        while not ready.wait(0.2):
            if not sender.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the senders did not connect (see above)")
        half = seconds / 2
        t0 = time.monotonic() + 0.5
        plan = (t0, t0 + half, t0 + half + 1.0, t0 + 2 * half + 1.0)  # a second between the phases
        mine.send(plan)
        sender_results = mine
        load_pids = {"senders": sender.pid, "receiver web1": receivers["web1"][0].pid,
                     "receiver web2": receivers["web2"][0].pid}
        log(f"{backend}: phase 1, {half:.0f} s at {RATE:.0f} msg/s from {SENDERS} senders on web1")

        # Phase 2, measured from the main process on the same clock the senders follow.
        time.sleep(max(0.0, plan[2] - time.monotonic()))
        log(f"{backend}: phase 2, {half:.0f} s as fast as it goes (window {WINDOW or 'none'})")
        node_cpu0 = {name: cpu_of(cluster[name].process.pid) for name in ("web1", "web2")}
        node_io0 = {name: io_syscalls(cluster[name].process.pid) for name in ("web1", "web2")}
        node_wait0 = {name: cpu_wait_seconds(cluster[name].process.pid) for name in ("web1", "web2")}
        db_cpu0 = database_cpu.sample()
        load_cpu0 = {name: cpu_of(pid) for name, pid in load_pids.items()}
        measured_from = time.monotonic()
        time.sleep(max(0.0, plan[3] - time.monotonic()))
        node_cpu1 = {name: cpu_of(cluster[name].process.pid) for name in ("web1", "web2")}
        node_io1 = {name: io_syscalls(cluster[name].process.pid) for name in ("web1", "web2")}
        node_wait1 = {name: cpu_wait_seconds(cluster[name].process.pid) for name in ("web1", "web2")}
        db_cpu1 = database_cpu.sample()
        load_cpu1 = {name: cpu_of(pid) for name, pid in load_pids.items()}
        measured = time.monotonic() - measured_from

        if not done.wait(10):
            raise RuntimeError("the senders did not finish")
        # Drain: until both receivers have everything, nothing more comes for 5 s, or the cap.
        drain_start = time.monotonic()
        last_progress, last_counts, drain_end = drain_start, None, "capped: messages were still arriving"
        while time.monotonic() - drain_start < DRAIN_SECONDS:
            counts = (arrived["web1"].value, arrived["web2"].value)
            if min(counts) >= sent_total.value:
                drain_end = "everything arrived"
                break
            if counts != last_counts:
                last_counts, last_progress = counts, time.monotonic()
            elif time.monotonic() - last_progress > 5.0:
                drain_end = "nothing more arrived for 5 s"
                break
            time.sleep(0.05)
        drained_after = (time.monotonic() - plan[3], drain_end)
        time.sleep(0.5)  # a duplicate would come now
        stop.set()
        stats = sender_results.recv()
        received = {name: pipe.recv() for name, (_, pipe) in receivers.items()}
        for process in workers:
            process.join(5)
        return analyse(backend, plan, stats, received, measured, drained_after,
                       {name: node_cpu1[name] - node_cpu0[name] for name in node_cpu0},
                       DatabaseCPU.delta(db_cpu0, db_cpu1),
                       {name: (load_cpu1[name] or 0) - (load_cpu0[name] or 0) for name in load_pids},
                       watcher.stop(),
                       {name: tuple(b - a for a, b in zip(node_io0[name], node_io1[name])) for name in node_io0},
                       {name: node_wait1[name] - node_wait0[name] for name in node_wait0})
    finally:
        if watcher:
            watcher.running = False
        for process in workers:
            if process.is_alive():
                process.terminate()
        codes = cluster.stop()
        if any(code not in (0, None) for code in codes.values()) or None in codes.values():
            log(f"{backend}: node exit codes {codes}")


def analyse(backend, plan, stats, received, measured, drained_after, node_cpu, db_cpu, load_cpu, log_lines, node_io,
            node_wait):
    p1_start, p1_end, p2_start, p2_end = plan
    per_sender = stats["per_sender"]
    expected = {(sender, seq) for sender, count in enumerate(per_sender) for seq in range(count)}
    result = {"backend": backend, "stats": stats, "measured": measured, "node_cpu": node_cpu, "db_cpu": db_cpu,
              "load_cpu": load_cpu, "drained_after": drained_after, "nodes": {}, "node_io": node_io, "node_wait": node_wait,
              "warnings": [f"{name} {when(at, plan)}: {shorten(line)}" for at, name, line in log_lines]}
    orders = {}
    for name, got in received.items():
        keys, latencies, loaded, in_window, last_seq, disorder = [], [], [], 0, {}, 0
        for text, at in got["records"]:
            parsed = parse(text)
            if parsed is None:
                continue
            phase, sender, seq, sent_at = parsed
            keys.append((sender, seq))
            if phase == 1:
                latencies.append((at - sent_at) * 1000)
            else:
                loaded.append((at - sent_at) * 1000)
                in_window += p2_start <= at <= p2_end
            if seq <= last_seq.get(sender, -1):
                disorder += 1
            last_seq[sender] = max(seq, last_seq.get(sender, -1))
        unique = set(keys)
        orders[name] = list(dict.fromkeys(keys))
        result["nodes"][name] = {
            "received": len(keys), "lost": len(expected - unique), "duplicates": len(keys) - len(unique),
            "unexpected": len(unique - expected), "out_of_order": disorder,
            "p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
            "max": max(latencies) if latencies else float("nan"), "latency_samples": len(latencies),
            "loaded_p50": percentile(loaded, 0.50), "loaded_p99": percentile(loaded, 0.99),
            "rate": in_window / (p2_end - p2_start), "closed": got["closed"], "others": got["others"],
        }
    common = set(orders["web1"]) & set(orders["web2"])
    result["same_order"] = [k for k in orders["web1"] if k in common] == [k for k in orders["web2"] if k in common]
    return result


def shorten(line, limit=400):
    """A log line cut to `limit` characters (a failed batch's SQL runs to megabytes)."""
    return line if len(line) <= limit else f"{line[:limit]}… ({len(line)} characters)"


def when(at, plan):
    """Where a moment falls in the run, for log lines."""
    p1_start, p1_end, p2_start, p2_end = plan
    if at < p1_start:
        return f"(before phase 1, {at - p1_start:+.1f} s)"
    if at < p2_start:
        return f"(phase 1 +{at - p1_start:.1f} s)"
    if at <= p2_end:
        return f"(phase 2 +{at - p2_start:.1f} s)"
    return f"(after phase 2 +{at - p2_end:.1f} s)"


def report(result, seconds):
    backend, stats, nodes = result["backend"], result["stats"], result["nodes"]
    p1, p2 = stats["p1"], stats["p2"]
    web1, web2 = nodes["web1"], nodes["web2"]
    events = web2["rate"] * (seconds / 2)  # phase-2 events that reached web2 inside the window
    per_k = lambda cpu: cpu * 1000 / events * 1000 if events else float("nan")  # noqa: E731
    measured = result["measured"]
    print()
    print(f"=== {NAMES[backend]}: 2 web nodes, {SENDERS} senders on web1, receivers on web1 and web2")
    print(f"phase 1 ({seconds / 2:.0f} s): sent {p1['sent']} at {p1['sent'] / p1['seconds']:.1f} msg/s "
          f"(target {RATE:.0f}, worst send {p1['late_max'] * 1000:.1f} ms late)")
    for name, node in (("web1", web1), ("web2", web2)):
        print(f"  latency at {name}: p50 {node['p50']:.1f} ms, p99 {node['p99']:.1f} ms, max {node['max']:.1f} ms "
              f"({node['latency_samples']} messages)")
    waited = p2["waited"] / p2["seconds"] * 100 if p2["seconds"] else 0
    print(f"phase 2 ({seconds / 2:.0f} s): sent {p2['sent']} at {p2['sent'] / p2['seconds']:.0f} msg/s; "
          f"senders waited on the in-flight window (≤ {WINDOW or '∞'}) {waited:.0f} % of the time, "
          f"{p2['sending'] / p2['seconds'] * 100:.0f} % in sendall")
    print(f"  events/s through the database (arrived at web2): {web2['rate']:.0f}   (at web1: {web1['rate']:.0f})")
    print(f"  latency under this load: web1 p50 {web1['loaded_p50']:.0f} ms, p99 {web1['loaded_p99']:.0f} ms; "
          f"web2 p50 {web2['loaded_p50']:.0f} ms, p99 {web2['loaded_p99']:.0f} ms")
    print(f"  CPU over {measured:.1f} s: web1 {result['node_cpu']['web1']:.2f} s, web2 {result['node_cpu']['web2']:.2f} s, "
          f"database {result['db_cpu']:.2f} s")
    print(f"  CPU ms per 1000 events: web1 {per_k(result['node_cpu']['web1']):.1f}, web2 {per_k(result['node_cpu']['web2']):.1f}, "
          f"nodes {per_k(sum(result['node_cpu'].values())):.1f}, database {per_k(result['db_cpu']):.1f}")
    print(f"  thread-seconds the nodes were runnable but waited for a core: web1 {result['node_wait']['web1']:.2f} s, "
          f"web2 {result['node_wait']['web2']:.2f} s (machine load average {os.getloadavg()[0]:.1f})")
    if events:
        print("  system calls per event (read / write): " + ", ".join(
            f"{name} {reads / events:.1f} / {writes / events:.1f}" for name, (reads, writes) in result["node_io"].items()))
    print("  load generators' CPU in phase 2: " + ", ".join(
        f"{name} {cpu / measured * 100:.0f} %" for name, cpu in result["load_cpu"].items()))
    total = sum(stats["per_sender"])
    seconds_after, drain_end = result["drained_after"]
    print(f"  waited {seconds_after:.2f} s after the senders stopped ({drain_end}); of {total} sent:")
    for name, node in (("web1", web1), ("web2", web2)):
        print(f"    {name}: received {node['received']}, lost {node['lost']}, duplicates {node['duplicates']}, "
              f"unexpected {node['unexpected']}, out of order per sender {node['out_of_order']}"
              + (f", socket closed: {node['closed']}" if node["closed"] else ""))
    print(f"  one order at web1 and web2: {'yes' if result['same_order'] else 'NO'}; error frames to senders: "
          f"{stats['errors']}; sender sockets closed by the server: {stats['closed']}")
    for sample in stats["error_samples"]:
        print(f"    error frame: {sample}")
    if result["warnings"]:
        print(f"  node log lines ({len(result['warnings'])}):")
        for line in result["warnings"][:40]:
            print(f"    {line}")
    else:
        print("  node logs: nothing at warning or above")
    result["events"], result["per_k"] = events, per_k


def summary(results, seconds):
    print()
    print(f"=== side by side ({seconds:.0f} s, {SENDERS} senders, window {WINDOW or 'none'}; {machine()})")
    rows = []
    order = [r for r in results]

    def row(label, fn):
        rows.append([label] + [fn(r) for r in order])

    row("events/s through the database", lambda r: f"{r['nodes']['web2']['rate']:.0f}")
    row("phase-1 send rate (msg/s)", lambda r: f"{r['stats']['p1']['sent'] / r['stats']['p1']['seconds']:.1f}")
    row("phase-2 send rate (msg/s)", lambda r: f"{r['stats']['p2']['sent'] / r['stats']['p2']['seconds']:.0f}")
    row("latency web1 p50 / p99 (ms)", lambda r: f"{r['nodes']['web1']['p50']:.1f} / {r['nodes']['web1']['p99']:.1f}")
    row("latency web2 p50 / p99 (ms)", lambda r: f"{r['nodes']['web2']['p50']:.1f} / {r['nodes']['web2']['p99']:.1f}")
    row("CPU ms/1000 events web1", lambda r: f"{r['per_k'](r['node_cpu']['web1']):.1f}")
    row("CPU ms/1000 events web2", lambda r: f"{r['per_k'](r['node_cpu']['web2']):.1f}")
    row("CPU ms/1000 events database", lambda r: f"{r['per_k'](r['db_cpu']):.1f}")
    row("phase-2 latency web1 p50 / p99 (ms)", lambda r: f"{r['nodes']['web1']['loaded_p50']:.0f} / {r['nodes']['web1']['loaded_p99']:.0f}")
    row("phase-2 latency web2 p50 / p99 (ms)", lambda r: f"{r['nodes']['web2']['loaded_p50']:.0f} / {r['nodes']['web2']['loaded_p99']:.0f}")
    row("write syscalls/event web1 / web2", lambda r: " / ".join(
        f"{r['node_io'][n][1] / r['events']:.1f}" if r["events"] else "-" for n in ("web1", "web2")))
    row("waited for a core web1 / web2 (thread-s)", lambda r: f"{r['node_wait']['web1']:.1f} / {r['node_wait']['web2']:.1f}")
    row("lost web1 / web2", lambda r: f"{r['nodes']['web1']['lost']} / {r['nodes']['web2']['lost']}")
    row("duplicates web1 / web2", lambda r: f"{r['nodes']['web1']['duplicates']} / {r['nodes']['web2']['duplicates']}")
    row("out of order web1 / web2", lambda r: f"{r['nodes']['web1']['out_of_order']} / {r['nodes']['web2']['out_of_order']}")
    row("node log lines (warning+)", lambda r: str(len(r["warnings"])))
    table(["", *(NAMES[r["backend"]] for r in order)], rows)
    rates = {r["backend"]: r["nodes"]["web2"]["rate"] for r in results}
    if "postgres" in rates and "mariadb" in rates and rates["mariadb"]:
        print(f"throughput ratio PostgreSQL / MariaDB: {rates['postgres'] / rates['mariadb']:.2f}x")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: events.py SECONDS DB_DIR")
    seconds, db_dir = float(sys.argv[1]), sys.argv[2]
    processes.cleanup_on_signals()
    context = multiprocessing.get_context("spawn")
    log(f"{machine()}; {seconds:.0f} s per backend, {SENDERS} senders, {RATE:.0f} msg/s, window {WINDOW or 'none'}")
    results = []
    for backend in BACKENDS:
        result = run_backend(backend, db_dir, seconds, context)
        report(result, seconds)
        results.append(result)
        sys.stdout.flush()
    summary(results, seconds)
    bad = [r["backend"] for r in results for n in r["nodes"].values() if n["lost"] or n["duplicates"] or n["out_of_order"]]
    if bad:
        print(f"!!! lost, duplicated or reordered messages on {sorted(set(bad))}")
        sys.exit(1)


if __name__ == "__main__":
    main()
