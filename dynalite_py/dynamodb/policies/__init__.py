"""Resource-based policies: PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy (policies.py holds what they share)."""
