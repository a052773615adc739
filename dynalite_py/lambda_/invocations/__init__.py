"""Asynchronous invocation: the event queue of each function (events.py),
its settings per qualifier (configs.py and the five *_function_event_invoke_config
operations), and where outcomes go: destinations, dead-letter queues and
on-failure records (destinations.py). jobs/async_invoke.py runs the queues.
"""
