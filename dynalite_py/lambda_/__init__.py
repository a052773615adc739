"""Lambda (service "lambda", REST-JSON on the same endpoint): functions and
their runtime (functions/), event source mappings and filters (mappings/),
and the trigger bridge that feeds stream records to functions (bridge/).
"""
SERVICE = "lambda"
