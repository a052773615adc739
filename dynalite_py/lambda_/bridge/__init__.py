"""The trigger bridge: consumers feeding stream records to functions
(bridge.py), and triggers set up without the Lambda API (triggers.py).
"""
