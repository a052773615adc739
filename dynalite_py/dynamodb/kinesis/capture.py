"""What item writes need of Kinesis destinations: whether a table's changes
are captured for them (its change log, while a destination is live) and
appending a change there. Only table records and the stream log are
known here, so the catalog and the item writer can import it."""
from __future__ import annotations

from ...storage.interface import WriteContext
from ...storage.streams import StreamLog
from ...streams import log as streams

# the states in which a destination's changes are captured and delivered
LIVE = frozenset(("ENABLING", "ACTIVE", "UPDATING"))


def live_log_number(record: dict) -> int | None:
    """The change log item writes append to: the table's, while one of its
    destinations is live (Table.kinesis_log_number)."""
    kinesis = record.get("kinesis")
    if not kinesis or not any(d["status"] in LIVE for d in kinesis["destinations"].values()):
        return None
    return kinesis["log"]


def capture_change(ctx: WriteContext, log: StreamLog, number: int, region: str, keys: dict,
                   old_raw: bytes | None, new_raw: bytes | None, sizes: tuple[int, int],
                   now: float, user_identity: dict | None) -> None:
    """Append one item change to a change log: both images, never rolled
    over into shards (a change log has none)."""
    streams.emit_change(ctx, log, number, "NEW_AND_OLD_IMAGES", region, keys, old_raw, new_raw,
                        sizes, now, float("inf"), user_identity)
