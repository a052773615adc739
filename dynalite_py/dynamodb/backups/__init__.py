"""Backups and point-in-time recovery: CreateBackup, DescribeBackup,
ListBackups, DeleteBackup, RestoreTableFromBackup; UpdateContinuousBackups,
DescribeContinuousBackups, RestoreTableToPointInTime.

backup_details.py: backup ARNs, records and their response shapes;
restores.py: the restored table's record (overrides) and its start;
recovery.py: a table's PITR settings and restorable window. The work
itself runs as background jobs under leases (jobs/backups.py takes a
backup from a store snapshot, jobs/restore.py fills a restored table).
"""
