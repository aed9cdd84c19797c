"""Empty databases on the MariaDB and PostgreSQL test servers scripts/test starts
(METROPOLE_TEST_MYSQL_URL, METROPOLE_TEST_POSTGRES_URL), for tests that need a database of
their own: a missing variable fails the calling test loudly rather than skipping it, unless
METROPOLE_TEST_BACKENDS leaves that backend out."""
import os
import subprocess
import urllib.parse
import uuid

# The variable naming each backend's test server (what scripts/test exports).
BACKEND_VARIABLES = {"mariadb": "METROPOLE_TEST_MYSQL_URL", "postgres": "METROPOLE_TEST_POSTGRES_URL"}


def server_url(backend):
    """The base URL of the test server for `backend`; skips the test when METROPOLE_TEST_BACKENDS
    leaves it out, fails it when the variable is missing."""
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
