"""Resource policies and tags of functions: one module per operation,
policy documents and statements (policies.py), tags (tags.py).
"""
