"""DescribeGlobalTableSettings (2017.11.29): a legacy global table's
capacity settings in every region (global_table_settings.py)."""
from __future__ import annotations

from .global_table_settings import settings_description
from .legacy import legacy_group

NAME = "DescribeGlobalTableSettings"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    return settings_description(engine, legacy_group(engine, request["GlobalTableName"]))
