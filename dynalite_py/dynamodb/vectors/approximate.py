"""Approximate search over large vector-index partitions (HNSW graphs, hnswlib).

The storage layer stays the source of truth; a graph is a cache of one
partition as of one change number of its index (storage/vectors.py's
VectorChanges). A partition's exact search (search_vectors.py) that reads
at least `Config.vector_ann_threshold` vectors has its graph built from
what it read (on a thread: searches stay exact until it is ready); from
then on every search of that partition first catches the
graph up on the index's changes since (read in the search's own snapshot,
so puts, updates and deletes by any server sharing the store show in the
next search), then over-fetches candidates from it, reads their entries in
the snapshot (so only live entries, with their current values, count),
keeps those meeting the search conditions and scores them exactly. When
fewer than TopK survive while the graph holds more, the exact search
answers instead, so conditions never cost results.

Graphs are saved (when built, and when the engine closes) in a cache
directory with their change number and entry keys, so a restarted engine
loads them and catches up instead of rebuilding. Without hnswlib (the
"ann" extra) every search is exact.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import threading

import numpy

from ...storage.codec import pack, unpack
from ...storage.vectors import VectorEntries, VectorEntry, entry_partition
from .scoring import top_k
from .vector_index import VectorIndex

# imported at a graph's first build or load, not with the engine: an engine
# that never searches a large partition never loads the native module
# (valgrind, for one, cannot run a build of it for this host's newest
# instructions). Without the "ann" extra, searches stay exact.
HNSWLIB_INSTALLED = importlib.util.find_spec("hnswlib") is not None


def _new_graph(distance: str, dimensions: int):
    import hnswlib
    return hnswlib.Index(space=SPACES[distance], dim=dimensions)

log = logging.getLogger("dynalite_py")
SPACES = {"COSINE": "cosine", "EUCLIDEAN": "l2", "DOT_PRODUCT": "ip"}
GRAPH_LINKS = 16  # HNSW's M
BUILD_EFFORT = 128  # ef_construction
SEARCH_EFFORT = 64  # the least ef of a query
OVERFETCH = 4  # candidates read per result asked for
FILTERED_OVERFETCH = 20  # the same, when INLINE_FILTER conditions drop some
FORMAT = 1  # of a saved graph's metadata
Found = list[tuple[VectorEntry, float]]


class Graph:
    """One partition's HNSW graph: the entry key of each label (None once
    deleted) and the index change number it reflects."""

    def __init__(self, graph, keys: list[bytes | None], applied: int) -> None:
        self.graph = graph
        self.keys = keys
        self.labels = {key: label for label, key in enumerate(keys) if key is not None}
        self.applied = applied
        self.lock = threading.Lock()  # hnswlib updates and queries do not mix
        self.dirty = False

    @classmethod
    def build(cls, index: VectorIndex, entries: list[tuple[bytes, VectorEntry]],
              applied: int) -> "Graph":
        graph = _new_graph(index.distance, index.dimensions)
        graph.init_index(max_elements=max(len(entries), 1), ef_construction=BUILD_EFFORT,
                         M=GRAPH_LINKS)
        matrix = numpy.frombuffer(b"".join(entry.vector for _, entry in entries),
                                  dtype=numpy.float32).reshape(len(entries), index.dimensions)
        graph.add_items(matrix, numpy.arange(len(entries)))
        return cls(graph, [key for key, _ in entries], applied)

    def apply(self, key: bytes, entry: VectorEntry | None) -> None:
        """Bring one entry in line with storage (None: it is gone)."""
        label = self.labels.get(key)
        self.dirty = True
        if entry is None:
            if label is not None:
                self.graph.mark_deleted(label)
                self.keys[label] = None
                del self.labels[key]
            return
        if label is None:  # labels are never reused: a deleted one stays marked
            label = self.labels[key] = len(self.keys)
            self.keys.append(key)
            if label >= self.graph.get_max_elements():
                self.graph.resize_index(2 * label)
        self.graph.add_items(numpy.frombuffer(entry.vector, dtype=numpy.float32)[None, :],
                             [label])  # an existing label's vector is replaced

    def nearest(self, query: numpy.ndarray, count: int) -> list[bytes]:
        """Entry keys of about the `count` nearest vectors."""
        count = min(count, len(self.labels))
        if count == 0:
            return []
        self.graph.set_ef(max(SEARCH_EFFORT, count))
        labels, _ = self.graph.knn_query(query, k=count, num_threads=1)
        return [self.keys[int(label)] for label in labels[0]]


class ApproximateSearch:
    """An engine's graphs, by (table id, partition prefix), and where they
    are saved (None: nowhere, rebuilt after a restart)."""

    def __init__(self, threshold: int, directory: str | None, in_background: bool) -> None:
        self.threshold = threshold
        self.directory = directory
        self.in_background = in_background
        self.enabled = HNSWLIB_INSTALLED
        self._graphs: dict[tuple[str, bytes], Graph] = {}
        self._building: dict[tuple[str, bytes], threading.Thread] = {}
        self._lock = threading.Lock()
        self.builds = self.loads = self.changes_applied = 0  # for metrics and tests

    def search(self, txn, entries: VectorEntries, table_id: str, index: VectorIndex,
               prefix: bytes, query: list[float], wanted: dict[str, dict], count: int
               ) -> tuple[Found, int] | None:
        """The `count` best live entries meeting `wanted` and the number
        examined; None when the exact search must answer (no graph, or too
        few candidates survived the conditions)."""
        graph = self._graph(txn, entries, table_id, index, prefix)
        if graph is None:
            return None
        asked = count * (FILTERED_OVERFETCH if len(wanted) > bool(index.hash_name) else OVERFETCH)
        vector = numpy.asarray(query, dtype=numpy.float32)
        with graph.lock:
            if not self._catch_up(txn, entries, index, prefix, graph):
                self._forget((table_id, prefix))
                return None
            try:
                keys, live = graph.nearest(vector, asked), len(graph.labels)
            except RuntimeError:  # hnswlib found fewer than asked (many deleted)
                return None
        candidates = [entry for entry in (entries.get(txn, key) for key in keys)
                      if entry is not None]
        survivors = [entry for entry in candidates if all(
            entry.searched.get(name) == value for name, value in wanted.items())]
        if len(survivors) < count and live > len(keys):
            return None
        best = top_k(index.distance, query, [entry.vector for entry in survivors], count)
        return [(survivors[position], score) for position, score in best], len(candidates)

    def offer(self, txn, entries: VectorEntries, table_id: str, index: VectorIndex,
              prefix: bytes, partition: list[tuple[bytes, VectorEntry]]) -> None:
        """A partition an exact search read whole: once it is large enough,
        build its graph (on a thread of its own unless told otherwise:
        searches stay exact meanwhile, and the graph catches up when done)."""
        if not self.enabled or not partition or len(partition) < self.threshold:
            return
        key, applied = (table_id, prefix), entries.changes.last(txn, index.id)
        with self._lock:
            if key in self._graphs or key in self._building:
                return
            self._building[key] = thread = threading.Thread(
                target=self._build, args=(key, index, partition, applied),
                name=f"vector-graph-{prefix.hex()}", daemon=True)
        if self.in_background:
            thread.start()
        else:
            thread.run()

    def _build(self, key: tuple[str, bytes], index: VectorIndex,
               partition: list[tuple[bytes, VectorEntry]], applied: int) -> None:
        try:
            graph = Graph.build(index, partition, applied)
            self._save(key[0], key[1], graph)
            with self._lock:
                self._graphs[key] = graph
                self.builds += 1
        except Exception:  # a cache: the exact search keeps answering
            log.exception("vector graph of %s not built", key[1].hex())
        finally:
            with self._lock:
                self._building.pop(key, None)

    def wait_for_builds(self) -> None:
        """Until every graph being built is ready (close, tests)."""
        with self._lock:
            threads = list(self._building.values())
        for thread in threads:
            if thread.ident is not None:
                thread.join()

    def close(self) -> None:
        """Finish the builds, then save every graph changed since it was saved."""
        self.wait_for_builds()
        with self._lock:
            graphs = list(self._graphs.items())
        for (table_id, prefix), graph in graphs:
            if graph.dirty:
                self._save(table_id, prefix, graph)

    def _graph(self, txn, entries: VectorEntries, table_id: str, index: VectorIndex,
               prefix: bytes) -> Graph | None:
        if not self.enabled:
            return None
        with self._lock:
            graph = self._graphs.get((table_id, prefix))
            if graph is None:
                graph = self._load(txn, entries, table_id, index, prefix)
                if graph is not None:
                    self._graphs[(table_id, prefix)] = graph
        return graph

    def _catch_up(self, txn, entries: VectorEntries, index: VectorIndex, prefix: bytes,
                  graph: Graph) -> bool:
        """Apply the index's changes since the graph's (False: the change
        log no longer reaches back that far)."""
        last = entries.changes.last(txn, index.id)
        if last <= graph.applied:
            return True  # up to date, or ahead of an older snapshot
        changed = entries.changes.since(txn, index.id, graph.applied)
        if changed is None:
            return False
        for key in dict.fromkeys(changed):
            if entry_partition(key) == prefix:
                graph.apply(key, entries.get(txn, key))
                self.changes_applied += 1
        graph.applied = last
        return True

    def _forget(self, key: tuple[str, bytes]) -> None:
        with self._lock:
            self._graphs.pop(key, None)

    def _paths(self, table_id: str, prefix: bytes) -> tuple[str, str]:
        stem = os.path.join(self.directory, f"{table_id}-{prefix.hex()}")
        return stem + ".hnsw", stem + ".meta"

    def _save(self, table_id: str, prefix: bytes, graph: Graph) -> None:
        """Write the graph, then its metadata, each replacing the old file
        whole: a torn save leaves metadata that does not match (ignored)."""
        if self.directory is None:
            return
        os.makedirs(self.directory, exist_ok=True)
        graph_path, meta_path = self._paths(table_id, prefix)
        with graph.lock:
            graph.graph.save_index(graph_path + ".tmp")
            meta = pack([FORMAT, graph.applied, graph.keys, os.path.getsize(graph_path + ".tmp")])
            graph.dirty = False
        os.replace(graph_path + ".tmp", graph_path)
        with open(meta_path + ".tmp", "wb") as file:
            file.write(meta)
        os.replace(meta_path + ".tmp", meta_path)

    def _load(self, txn, entries: VectorEntries, table_id: str, index: VectorIndex,
              prefix: bytes) -> Graph | None:
        """A saved graph of the partition, if one matches the store."""
        if self.directory is None:
            return None
        graph_path, meta_path = self._paths(table_id, prefix)
        try:
            with open(meta_path, "rb") as file:
                version, applied, keys, size = unpack(file.read())
            if version != FORMAT or size != os.path.getsize(graph_path) or (
                    applied > entries.changes.last(txn, index.id)):
                return None  # torn, or saved from another state of the store
            graph = _new_graph(index.distance, index.dimensions)
            graph.load_index(graph_path, max_elements=max(len(keys), 1))
        except (OSError, ValueError, RuntimeError) as error:
            if not isinstance(error, FileNotFoundError):
                log.warning("vector graph %s not loaded: %s", graph_path, error)
            return None
        self.loads += 1
        return Graph(graph, keys, applied)


def cache_directory(config, store) -> str | None:
    """Where an engine saves its graphs (Config.vector_cache_dir)."""
    if config.vector_cache_dir:
        return config.vector_cache_dir
    return os.path.join(store.path, "vector-graphs") if store.kind == "lmdb" else None
