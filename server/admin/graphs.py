"""Graphs of the metrics (dynalite_py/metrics.py) as inline SVG bars: the
values of one scrape, drawn by the template from the geometry made here."""
from __future__ import annotations

from dynalite_py.engine import Engine

from .pages import Inputs, Page
from .readings import Readings

BAR_WIDTH = 360   # pixels of the longest bar
BAR_HEIGHT = 18
SHOWN_BARS = 12
ERROR_METRICS = ("UserErrors", "SystemErrors", "ThrottledRequests",
                 "ConditionalCheckFailedRequests")


def chart(title: str, values: dict[str, float], unit: str = "") -> dict:
    """One bar chart: a bar per label (the largest SHOWN_BARS), scaled to
    the largest value."""
    shown = list(values.items())[:SHOWN_BARS]
    top = max((value for _, value in shown), default=0) or 1
    bars = [{"label": label or "(none)", "value": value, "text": f"{value:g}{unit}",
             "width": max(1, round(value / top * BAR_WIDTH)) if value else 0,
             "y": index * (BAR_HEIGHT + 4)} for index, (label, value) in enumerate(shown)]
    return {"title": title, "bars": bars, "height": len(bars) * (BAR_HEIGHT + 4),
            "bar_height": BAR_HEIGHT, "width": BAR_WIDTH}


def latency_buckets(readings: Readings) -> dict[str, float]:
    """Successful requests by latency bucket (the histogram's cumulative
    counts, summed over tables and operations, made per bucket)."""
    cumulative = readings.by("SuccessfulRequestLatency_bucket", "le")
    bounds = sorted(cumulative, key=float)
    counts, below = {}, 0.0
    for bound in bounds:
        counts["≤ " + (bound if bound != "+Inf" else "∞") + " ms"] = cumulative[bound] - below
        below = cumulative[bound]
    return counts


def mean_durations(readings: Readings) -> dict[str, float]:
    total, count = readings.by("Duration_sum", "FunctionName"), \
        readings.by("Duration_count", "FunctionName")
    return {name: round(total[name] / count[name], 2) for name in count if count[name]}


def overview(engine: Engine, inputs: Inputs) -> Page:
    readings = Readings(engine)
    errors = {name: readings.total(name + "_total") for name in ERROR_METRICS}
    charts = [
        chart("Successful requests by operation",
              readings.by("SuccessfulRequestLatency_count", "Operation")),
        chart("Successful requests by table",
              readings.by("SuccessfulRequestLatency_count", "TableName")),
        chart("Request latency (successful requests per bucket)", latency_buckets(readings)),
        chart("Failed requests by kind", dict(sorted(errors.items(), key=lambda p: -p[1]))),
        chart("Consumed write capacity units by table",
              readings.by("ConsumedWriteCapacityUnits_total", "TableName")),
        chart("Consumed read capacity units by table",
              readings.by("ConsumedReadCapacityUnits_total", "TableName")),
        chart("Function invocations", readings.by("Invocations_total", "FunctionName")),
        chart("Function errors", readings.by("Errors_total", "FunctionName")),
        chart("Mean function duration", mean_durations(readings), " ms"),
        chart("Messages visible by queue",
              readings.by("ApproximateNumberOfMessagesVisible", "QueueName")),
    ]
    return Page("metrics.html", {"charts": charts})
