"""Published versions and aliases: one module per operation, the version
records and publishing (versions.py), alias records and their weighted
routing (aliases.py). Which version a request names is functions/qualifiers.py.
"""
