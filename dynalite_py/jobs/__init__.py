"""Background work, each job under a lease held in the store: the sweeper's
pass (sweeper.py: TTL expiry, stream trimming, client token expiry, backfill
resumption), the TTL expiry pass (ttl.py) and index backfills (backfill.py).
"""
