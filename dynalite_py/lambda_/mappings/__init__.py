"""Event source mappings: one module per mapping operation, the mapping
records, checkpoints and on-failure store (mappings.py), and Lambda's event
filter patterns (filters.py).
"""
