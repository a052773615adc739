"""The asynchronous invocation job: runs the events of every function's event
queue (lambda_/invocations/events.py) while it holds the lease
"async-invoke", so of the engines sharing a store one runs them, and
another takes over when it stops renewing.

Each pass reads the events due now, claims each (a write: a claim hides
the event for its function's timeout and a margin), and runs it on a pool
of threads. An outcome, as AWS has it:

* success: the OnSuccess destination receives the invocation record;
* a function error: retried after 1 and then 2 minutes (times
  Config.async_retry_scale), up to MaximumRetryAttempts (default 2);
* throttled (reserved concurrency), or not runnable here (an embedded
  callable of another process): retried with back-off doubling from
  1 second to 5 minutes (times the scale), using no attempt;
* out of attempts, or older than MaximumEventAgeInSeconds (default 6 h):
  the OnFailure destination receives the record and the function's
  dead-letter queue the event;
* the function is gone: the event is dropped.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from ..errors import DynamoError
from ..lambda_.functions.qualifiers import function_ref, resolve
from ..lambda_.invocations import configs, destinations, events
from ..storage.leases import Lease, new_owner

log = logging.getLogger("dynalite_py.lambda")
LEASE = "async-invoke"
LEASE_SECONDS = 30.0
CONCURRENT_EVENTS = 8
RETRY_DELAYS = (60.0, 120.0)  # before the first and the second retry of a function error
THROTTLE_BACKOFF = (1.0, 300.0)  # first and longest pause after a throttle
# the longest an idle job waits before looking again: events queued by
# another process or server wait at most this long (this process's at once)
IDLE_WAIT = 1.0


class AsyncInvoker:
    """Runs due events under the lease, at most CONCURRENT_EVENTS at once."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lease = Lease(engine.store, LEASE, new_owner(), LEASE_SECONDS)
        self.wake = threading.Event()  # an event was queued in this process
        self._stopping = threading.Event()
        self._slots = threading.Semaphore(CONCURRENT_EVENTS)
        self._pool = ThreadPoolExecutor(CONCURRENT_EVENTS, thread_name_prefix="async-invoke")
        self._thread = threading.Thread(target=self._run, name="dynalite-async-invoke",
                                        daemon=True)

    def start(self) -> "AsyncInvoker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True)
        self.lease.release()

    def _run(self) -> None:
        while not self._stopping.is_set():
            wait = IDLE_WAIT
            try:
                if self.lease.hold():
                    wait = self.run_due()
            except Exception:  # keep running; the pass is tried again
                log.exception("asynchronous invocation pass failed")
            self.wake.wait(wait)
            self.wake.clear()

    def run_due(self) -> float:
        """Claim the events due now and start each on the pool; how long to
        wait before the next pass (until the next retry is due, at most
        IDLE_WAIT; a finished event or one queued here wakes it sooner)."""
        engine = self.engine
        now = engine.clock()
        with engine.store.read() as txn:
            due, next_due = engine.repos.messages.due_in_event_queues(
                txn, int(now * 1000), CONCURRENT_EVENTS)
        wait = IDLE_WAIT if next_due is None else min(IDLE_WAIT, max(0.0, next_due / 1000 - now))
        for function_name, event_id in due:
            if self._stopping.is_set() or not self._slots.acquire(blocking=False):
                return wait
            try:
                claimed = self._claim(function_name, event_id)
            except Exception:
                self._slots.release()
                raise
            if claimed is None:
                self._slots.release()
                continue
            self._pool.submit(self._run_event, function_name, claimed)
        return wait

    def _claim(self, function_name: str, event_id: str) -> dict | None:
        engine = self.engine
        with engine.store.read() as txn:
            function = engine.functions.find(txn, function_name)
        hold = float(function["Timeout"]) if function else 0.0
        return events.claim(engine, function_name, event_id, hold + events.CLAIM_MARGIN)

    def _run_event(self, function_name: str, claimed: dict) -> None:
        try:
            run_event(self.engine, function_name, claimed)
        except Exception:
            log.exception("asynchronous event %s of %s failed to run", claimed["id"],
                          function_name)
        finally:
            self._slots.release()
            self.wake.set()  # a retry may be due, or more events wait


def run_event(engine, function_name: str, claimed: dict) -> None:
    """One attempt at an event, and what follows from its outcome."""
    with engine.store.read() as txn:
        function = runnable(engine, txn, function_name, claimed["qualifier"])
        config = configs.find(txn, engine, function, claimed["qualifier"] or configs.LATEST) \
            if function else None
    if function is None:  # the function, its version or its alias is gone
        events.finish(engine, function_name, claimed)
        return
    retries, max_age = configs.limits(config)
    arn = f"{function['FunctionArn']}:{claimed['qualifier'] or configs.LATEST}"
    if engine.clock() - claimed["enqueued"] > max_age:
        _give_up(engine, function, config, arn, claimed, "EventAgeExceeded", None)
        return
    scale = engine.config.async_retry_scale
    try:
        result = engine.functions.invoke(function, claimed["event"], claimed["qualifier"])
    except DynamoError:  # throttled, or its callable lives in another process: later
        pause = min(THROTTLE_BACKOFF[0] * 2 ** claimed["throttles"], THROTTLE_BACKOFF[1])
        events.retry_later(engine, function_name, claimed, pause * scale,
                           throttles=claimed["throttles"] + 1)
        return
    attempted = dict(claimed, attempts=claimed["attempts"] + 1)
    if result.ok:
        target = configs.destination(config, "OnSuccess")
        if target:
            destinations.deliver(engine, target, destinations.invocation_record(
                arn, attempted, "Success", result))
        events.finish(engine, function_name, claimed)
    elif attempted["attempts"] > retries:
        _give_up(engine, function, config, arn, attempted, "RetriesExhausted", result)
    else:
        delay = RETRY_DELAYS[min(attempted["attempts"], len(RETRY_DELAYS)) - 1] * scale
        events.retry_later(engine, function_name, claimed, delay,
                           attempts=attempted["attempts"])


def runnable(engine, txn, function_name: str, qualifier: str | None) -> dict | None:
    """What an event for `qualifier` runs now (an alias routes per event);
    None when the function, version or alias no longer exists."""
    try:
        return resolve(engine.functions, txn, function_ref(function_name, qualifier),
                       route=True).record
    except DynamoError:
        return None


def _give_up(engine, function: dict, config: dict | None, arn: str, event: dict,
             condition: str, result) -> None:
    """An event that will not run again: to OnFailure and the dead-letter queue."""
    target = configs.destination(config, "OnFailure")
    if target:
        destinations.deliver(engine, target,
                             destinations.invocation_record(arn, event, condition, result))
    dead_letter = (function.get("DeadLetterConfig") or {}).get("TargetArn")
    if dead_letter:
        destinations.dead_letter(engine, dead_letter, event, result)
    events.finish(engine, function["FunctionName"], event)
