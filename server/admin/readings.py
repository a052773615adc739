"""The engine's metrics as numbers to show: its Prometheus exposition
parsed back (so the page shows what a scrape shows, every worker's sums
included, in multiprocess mode too)."""
from __future__ import annotations

from collections import defaultdict

from prometheus_client.parser import text_string_to_metric_families

from dynalite_py.engine import Engine


class Readings:
    """Every sample of one scrape, by sample name ("Invocations_total")."""

    def __init__(self, engine: Engine) -> None:
        self.samples: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
        for family in text_string_to_metric_families(engine.metrics.exposition().decode()):
            for sample in family.samples:
                self.samples[sample.name].append((sample.labels, sample.value))

    def total(self, name: str, **labels: str) -> float:
        """The sum of a sample's values over the series matching `labels`."""
        return sum(value for found, value in self.samples.get(name, ())
                   if all(found.get(label) == wanted for label, wanted in labels.items()))

    def by(self, name: str, label: str) -> dict[str, float]:
        """A sample's values summed by one label, largest first."""
        sums: dict[str, float] = defaultdict(float)
        for labels, value in self.samples.get(name, ()):
            sums[labels.get(label, "")] += value
        return dict(sorted(sums.items(), key=lambda pair: -pair[1]))

    def latest(self, name: str, **labels: str) -> float | None:
        """A gauge's value for one series, None if it has none yet."""
        for found, value in self.samples.get(name, ()):
            if all(found.get(label) == wanted for label, wanted in labels.items()):
                return value
        return None
