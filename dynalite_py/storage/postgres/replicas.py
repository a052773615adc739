"""Read replicas: PostgreSQL streaming replicas (hot standbys of the
primary) that serve eventually consistent reads (Store.read_eventually), so
the stale reads DynamoDB allows come from real replication lag.

A thread checks every replica each CHECK_INTERVAL seconds. A replica is
used while it answers, is still a standby (a promoted one follows no
primary), its WAL receiver streams from the primary (when the view says:
without pg_read_all_stats a role sees no status, and the lag alone
decides), and its lag is at most `max_lag` seconds: nothing, when it has
applied all the WAL it received, else the age of the last transaction it
applied (an overestimate after an idle spell: the replica is then skipped
a little early, never late). Reads take the usable replicas in turn; with
none, the primary serves them. A replica that is down is probed until it
is back (databases.py), and skipped meanwhile.
"""
from __future__ import annotations

import itertools
import logging
import threading

import psycopg

from .. import without_password
from .databases import PROBE_TIMEOUT, Database

log = logging.getLogger("dynalite_py")
CHECK_INTERVAL = 0.5
# the default bound on a replica's lag, in seconds (DYNALITE_REPLICA_MAX_LAG)
MAX_LAG = 5.0
# (a standby, its receiver streams or cannot be seen, seconds behind or NULL)
STATE = (b"SELECT pg_is_in_recovery(), "
         b"COALESCE((SELECT status FROM pg_stat_wal_receiver) = 'streaming', "
         b"EXISTS (SELECT 1 FROM pg_stat_wal_receiver)), "
         b"CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
         b"ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END")


class Replicas:
    """The read replicas of one store, and which of them are usable now."""

    def __init__(self, urls: tuple[str, ...], connections: int, max_lag: float) -> None:
        self.databases = [Database(url, connections, required=False) for url in urls]
        self._max_lag = max_lag
        self._usable: tuple[Database, ...] = ()
        self._turns = itertools.count()
        self._closed = threading.Event()
        self.check()  # before the first read
        self._thread = threading.Thread(target=self._watch, name="dynalite-pg-replicas",
                                        daemon=True)
        self._thread.start()

    def pick(self) -> Database | None:
        """The next usable replica in turn, or None (read from the primary)."""
        usable = self._usable
        return usable[next(self._turns) % len(usable)] if usable else None

    def skip(self, replica: Database) -> None:
        """Stop using `replica` until the next check finds it usable."""
        self._usable = tuple(database for database in self._usable if database is not replica)

    def check(self) -> None:
        usable = tuple(database for database in self.databases if self._is_usable(database))
        if usable != self._usable:
            names = ", ".join(without_password(replica.url) for replica in usable)
            log.info("read replicas in use: %s", names or "none (the primary serves)")
        self._usable = usable

    def _is_usable(self, replica: Database) -> bool:
        if replica.down:
            return False
        try:
            with replica.pool.connection(timeout=PROBE_TIMEOUT) as conn:
                standby, streaming, lag = conn.execute(STATE).fetchone()
        except psycopg.Error as error:
            replica.failed(error)
            return False
        return bool(standby and streaming) and lag is not None and lag <= self._max_lag

    def _watch(self) -> None:
        while not self._closed.wait(CHECK_INTERVAL):
            try:
                self.check()
            except Exception:  # a check that failed is made again next time
                log.exception("checking the read replicas failed")

    def close(self) -> None:
        self._closed.set()
        self._thread.join(CHECK_INTERVAL * 4)
        for database in self.databases:
            database.close()
