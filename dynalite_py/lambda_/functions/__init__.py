"""Lambda functions: one module per function operation (create_function.py,
invoke.py, ...), the function records and invocation (functions.py) and the
worker runtime that runs handlers (runtime.py).
"""
