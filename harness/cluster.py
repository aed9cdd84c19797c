"""Several `metropole` nodes on loopback sharing one MariaDB or PostgreSQL database.

    url = databases.fresh_database("postgres")  # an empty database on the test server
    cluster = Cluster(root, url, [("ingest1", "ingest"), ("web1", "web")])
    cluster.start()
    cluster["web1"].api(...)                    # each node is a harness.server.Server
    cluster.stop()

Every node gets its own data directory (`<root>/<name>`, its log beside it), its own HTTP,
RTMP and WebRTC ports, `DATABASE_URL` and `METROPOLE_ROLE`; ingest nodes also get
`METROPOLE_NODE_URL`, the address at which players reach them (`http://127.0.0.1:<http port>`).

A fresh database for it: `harness.databases.fresh_database`.
"""
import os
import shutil
import signal
import threading

from harness import processes
from harness.server import Server

ROLES = ("all", "web", "ingest")


class Cluster:
    """Nodes `[(name, role), …]` on one database; `cluster[name]` is that node's Server.

    `start()` starts the first node alone (it runs the migrations on the empty database), then
    the others in parallel. `stop()` stops them all, killed nodes included, and never raises:
    it returns each node's exit code (None when it had to be killed)."""

    def __init__(self, root, database_url, nodes, env=None, binary=None):
        self.root = str(root)
        self.database_url = database_url
        self.nodes = {}
        for name, role in nodes:
            assert role in ROLES, role
            http_port = processes.free_port()
            node_env = {"DATABASE_URL": database_url, "METROPOLE_ROLE": role, **(env or {})}
            if role == "ingest":
                node_env["METROPOLE_NODE_URL"] = f"http://127.0.0.1:{http_port}"
            server = Server(os.path.join(self.root, name), http_port=http_port, env=node_env, binary=binary)
            server.name, server.role = name, role
            self.nodes[name] = server

    def __getitem__(self, name):
        return self.nodes[name]

    def __iter__(self):
        return iter(self.nodes.values())

    def start(self, timeout=30.0):
        servers = list(self.nodes.values())
        if not servers:
            return self
        servers[0].start(timeout)
        # Every node of a site shares the key webhook secrets are sealed with (operations.md).
        key = os.path.join(servers[0].data_dir, "webhook-secrets.key")
        for server in servers[1:]:
            os.makedirs(server.data_dir, exist_ok=True)
            shutil.copy2(key, os.path.join(server.data_dir, "webhook-secrets.key"))
        errors = {}

        def start(server):
            try:
                server.start(timeout)
            except BaseException as error:  # noqa: BLE001 - reported below, with the node's name
                errors[server.name] = error

        threads = [threading.Thread(target=start, args=(server,), daemon=True) for server in servers[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError("nodes did not start: " + "; ".join(f"{name}: {error}" for name, error in errors.items()))
        return self

    def kill(self, name):
        """SIGKILL to that node alone (no clean shutdown: its heartbeat just stops)."""
        server = self.nodes[name]
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()

    def stop(self):
        running = [server for server in self.nodes.values() if server.process is not None]
        # Signal all first so they stop in parallel, then wait for each.
        for server in running:
            if server.process.poll() is None:
                try:
                    os.killpg(server.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        codes = {}
        for server in running:
            try:
                codes[server.name] = server.stop()
            except AssertionError:
                codes[server.name] = None
        return codes

    def logs(self, lines=40):
        """The tail of every node's log, for a failure report."""
        parts = []
        for server in self.nodes.values():
            tail = "\n".join(server.read_log().splitlines()[-lines:])
            parts.append(f"----- {server.name} ({server.role}, http {server.http_port}, rtmp {server.rtmp_port}) -----\n{tail}")
        return "\n".join(parts)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
