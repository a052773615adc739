"""Global tables beyond UpdateTable's ReplicaUpdates (tables/replicas.py):
replica auto scaling (2019.11.21) and the 2017.11.29 operations."""
