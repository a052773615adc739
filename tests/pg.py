"""A throwaway PostgreSQL server for `pytest --backend postgres`: one cluster
per test session, made with the machine's binaries (Debian's postgresql
package) in a temporary directory, and a fresh schema per store.

The server runs as the `postgres` user when the tests run as root (initdb
refuses root), listens on a free loopback port and on a unix socket in its
directory, and trades durability for speed (fsync off): a test database is
thrown away at the end of the session. `store_url(name)` gives each store
its own schema in one database, through libpq's `options` (search_path), so
that stores never see each other's tables and are cheap to make.
"""
from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from urllib.parse import quote

import psycopg

DATABASE = "dynalite"
_SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "max_connections": "600", "shared_buffers": "128MB",
                    "listen_addresses": "127.0.0.1", "max_locks_per_transaction": "256",
                    "log_min_messages": "fatal"}


def binaries() -> str:
    """The bin directory of the newest PostgreSQL installed, or an error
    saying how to install one."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(path.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql "
                           "(make test does it when it can)")
    return os.path.dirname(found[-1])


class Cluster:
    """A PostgreSQL server of this test session (or of one test: `settings`
    override _SERVER_SETTINGS). `stop_server` and `start_server` take it
    down and bring it back on the same port with the same data."""

    def __init__(self, **settings: str) -> None:
        self._prepare(settings)
        self._run([os.path.join(self.bin_dir, "initdb"), "-D", self.data, "-U", "postgres",
                   "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        self.start_server()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def _prepare(self, settings: dict[str, str]) -> None:
        """A directory owned by the server's user, a port, the URLs."""
        self.root = tempfile.mkdtemp(prefix="dynalite-pg-")
        self.data = os.path.join(self.root, "data")
        self.user = _run_as()
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.bin_dir = binaries()
        from support import free_port
        self.port = free_port()
        self.settings = {**_SERVER_SETTINGS, **settings}
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start_server(self) -> None:
        settings = [arg for name, value in self.settings.items()
                    for arg in ("-c", f"{name}={value}")]
        self.process = subprocess.Popen(
            [os.path.join(self.bin_dir, "postgres"), "-D", self.data, "-p", str(self.port),
             "-k", self.root, *settings], stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.root, "server.log"), "ab"), **self._as_user())
        self._wait_until_ready()

    def stop_server(self, crash: bool = False) -> None:
        """Stop the server: a fast shutdown, or with `crash` an immediate one
        (every backend dropped, no checkpoint: recovery at the next start)."""
        self.process.send_signal(signal.SIGQUIT if crash else signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _as_user(self) -> dict:
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    def _run(self, command: list[str]) -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, **self._as_user())

    def _wait_until_ready(self) -> None:
        deadline = time.time() + 30
        while True:
            try:
                psycopg.connect(self.admin_url, connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("PostgreSQL did not start: see "
                                       + os.path.join(self.root, "server.log")) from None
                time.sleep(0.1)

    def store_url(self, name: str) -> str:
        """The URL of a store of its own, schema `name` (made if missing)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_name(name)}"')
        return self.schema_url(name)

    def schema_url(self, name: str) -> str:
        """The URL of the store of schema `name` on this server."""
        return f"{self.url}?options={quote(f'-csearch_path={schema_name(name)}')}"

    def replica(self) -> Replica:
        """A streaming replica of this server, started."""
        return Replica(self)

    def stop(self) -> None:
        """Stop the server and throw its data away."""
        if self.process.poll() is None:
            self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)


class Replica(Cluster):
    """A hot standby streaming from `primary`: made with pg_basebackup -R
    (the copy, and the settings that make it follow the primary), on a port
    of its own. Read only: its stores are the primary's (schema_url)."""

    def __init__(self, primary: Cluster) -> None:
        self._prepare(primary.settings)
        self._run([os.path.join(self.bin_dir, "pg_basebackup"), "-D", self.data, "-R",
                   "-X", "stream", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                   "--checkpoint=fast", "--no-sync"])
        self.start_server()

    def pause_replay(self) -> None:
        """Stop applying the primary's changes (they are still received)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def caught_up_with(self, primary: Cluster) -> bool:
        """Whether this replica has applied everything the primary wrote."""
        with psycopg.connect(primary.url, autocommit=True) as conn:
            written = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                (written,)).fetchone()[0]


def schema_name(name: str) -> str:
    return "s_" + re.sub(r"[^a-z0-9_]", "_", name.lower())[-60:]


def _run_as() -> pwd.struct_passwd | None:
    """The user the server runs as: `postgres` when we are root, else us."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam("postgres")
