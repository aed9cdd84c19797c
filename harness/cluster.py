"""Several `metropole` nodes on loopback sharing one MariaDB or PostgreSQL database.

    url = fresh_database("postgres")            # an empty database on the test server
    cluster = Cluster(root, url, [("ingest1", "ingest"), ("web1", "web")])
    cluster.start()
    cluster["web1"].api(...)                    # each node is a harness.server.Server
    cluster.stop()

Every node gets its own data directory (`<root>/<name>`, its log beside it), its own HTTP,
RTMP and WebRTC ports, `DATABASE_URL` and `METROPOLE_ROLE`; ingest nodes also get
`METROPOLE_NODE_URL`, the address at which players reach them (`http://127.0.0.1:<http port>`).

`fresh_database` needs the servers scripts/test starts (METROPOLE_TEST_MYSQL_URL,
METROPOLE_TEST_POSTGRES_URL). As in e2e/test_db_copy.py, a missing variable fails the calling
test loudly rather than skipping it, unless METROPOLE_TEST_BACKENDS leaves that backend out.
"""
import os
import shutil
import signal
import subprocess
import threading
import urllib.parse
import uuid

from harness import processes
from harness.server import Server

# The variable naming each backend's test server (what scripts/test exports).
BACKEND_VARIABLES = {"mariadb": "METROPOLE_TEST_MYSQL_URL", "postgres": "METROPOLE_TEST_POSTGRES_URL"}

ROLES = ("all", "web", "ingest")


def server_url(backend):
    """The base URL of the test server for `backend`; skips the test when METROPOLE_TEST_BACKENDS
    leaves it out, fails it when the variable is missing (test_db_copy.py's rule)."""
    import pytest  # only the e2e suite calls this; the harness itself is standard library only

    variable = BACKEND_VARIABLES[backend]
    backends = os.environ.get("METROPOLE_TEST_BACKENDS", "sqlite mariadb postgres")
    if backend not in backends:
        pytest.skip(f"{backend} not in METROPOLE_TEST_BACKENDS")
    url = os.environ.get(variable)
    if not url:
        pytest.fail(f"{variable} is not set: start the servers with scripts/db/servers (scripts/test does)")
    return url


def create_database(base_url):
    """Creates an empty database next to the one in `base_url`; returns its URL (the same
    server, user and query, another database name)."""
    parts = urllib.parse.urlsplit(base_url)
    name = "e2e_" + uuid.uuid4().hex[:16]
    if parts.scheme.startswith("mysql"):
        subprocess.run(["mariadb", "--no-defaults", "--protocol=tcp", "-h", parts.hostname, "-P", str(parts.port),
                        "-u", parts.username, f"-p{parts.password}", "-e",
                        f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"], check=True)
    else:
        subprocess.run(["psql", base_url.split("?")[0], "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def fresh_database(backend):
    """An empty database on the test server of `backend` ("mariadb" or "postgres"): its URL."""
    return create_database(server_url(backend))


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
