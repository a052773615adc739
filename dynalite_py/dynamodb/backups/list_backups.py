"""ListBackups: backups in creation order, by table, time range [lower,
upper) and type (USER unless asked: ack-api-quirks DDB-BACKUP-014), a page
of Limit at a time after ExclusiveStartBackupArn."""
from __future__ import annotations

from ...errors import invalid_parameter
from ..tables.catalog import table_name_from
from .backup_details import backup_id_of, backup_summary, millis

NAME = "ListBackups"
READ_ONLY = True
MAX_PAGE = 100  # the model's BackupsInputLimit
LATEST = 1e15  # seconds: after every backup's time, and a float millis() can round


def run(engine, request: dict) -> dict:
    lower, upper = request.get("TimeRangeLowerBound"), request.get("TimeRangeUpperBound")
    if lower is not None and upper is not None and lower > upper:
        raise invalid_parameter("Time range lower bound must be less than or equal to upper bound")
    start = request.get("ExclusiveStartBackupArn")
    after = backup_id_of(start, engine.config.account_id) if start else None
    name = table_name_from(request["TableName"]) if request.get("TableName") else None
    wanted = request.get("BackupType", "USER")
    limit = request.get("Limit", MAX_PAGE)
    summaries: list[dict] = []
    more = False
    with engine.store.read() as txn:
        for record in engine.repos.backups.all(txn, after):
            if not _matches(record, name, wanted, lower, upper):
                continue
            if len(summaries) == limit:
                more = True
                break
            summaries.append(backup_summary(record))
    response: dict = {"BackupSummaries": summaries}
    if more:
        response["LastEvaluatedBackupArn"] = summaries[-1]["BackupArn"]
    return response


def _matches(record: dict, name: str | None, wanted: str, lower, upper) -> bool:
    created = millis(record["created"])
    # a bound past any time (1e308 seconds) has no whole milliseconds: clamp it
    lower, upper = (None if bound is None else min(bound, LATEST) for bound in (lower, upper))
    return ((name is None or record["source"]["TableName"] == name)
            and (wanted == "ALL" or record["type"] == wanted)
            and (lower is None or created >= millis(lower))
            and (upper is None or created < millis(upper)))
