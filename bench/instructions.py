"""Instructions per embedded call, counted by valgrind: a cost measure the
host's speed does not move.

    python -m bench.instructions [--calls 2000] [--against TREE] [--backend memory]
                                 [OPERATION ...]

Wall-clock benchmarks on a shared 2-core host swing by 1.5x from one
second to the next (docs/benchmarks.md, session 7), more than most changes
are worth. `valgrind --tool=callgrind` counts the instructions a process
executes, repeatably. Each operation runs twice under it, with `calls` and
with `calls // 5` calls after the same set-up; the difference divided by
the difference in calls is the cost of one call, set-up and start-up
excluded.

OPERATION is one of get_item, put_item, put_item_stream (all by default).
`--against TREE` counts a second source tree too (a `git worktree` of
another commit) and prints the ratio, for A/B comparisons. Instructions are
not time: cache misses and system calls (LMDB's commit writes) cost time
without costing many instructions, so a change is best judged by both.
`--backend memory` counts the memory backend instead of LMDB (both trees
must have it).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ("get_item", "put_item", "put_item_stream")
# valgrind cannot reserve the engine's default 1 TiB of address space
MAP_SIZE = 1 << 30


def child(operation: str, calls: int, backend: str) -> None:
    """Set up a table of 1,000 items, build `calls` requests, then run them
    (run as the process valgrind counts)."""
    import gc
    import time

    import dynalite_py
    from dynalite_py.engine import Engine

    # the tree under test, not an installed copy
    assert Path(dynalite_py.__file__).parent.parent == Path.cwd(), dynalite_py.__file__
    with tempfile.TemporaryDirectory() as path:
        engine = Engine(":memory:" if backend == "memory" else path, background=False)
        table = {"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                 "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
        if operation == "put_item_stream":
            table["StreamSpecification"] = {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}
        engine.call("CreateTable", table)
        while engine.call("DescribeTable", {"TableName": "bench"})["Table"]["TableStatus"] != "ACTIVE":
            time.sleep(0.01)
        for index in range(1000):
            engine.call("PutItem", {"TableName": "bench", "Item": _item(index, 0)})
        if operation == "get_item":
            name = "GetItem"
            requests = [{"TableName": "bench", "Key": {"pk": {"S": f"user-{n % 1000}"}}}
                        for n in range(calls)]
        else:
            name = "PutItem"
            requests = [{"TableName": "bench", "Item": _item(n % 1000, n + 1)}
                        for n in range(calls)]
        gc.collect()
        gc.freeze()  # the requests are set-up: keep collections from walking them
        call = engine.call
        for request in requests:
            call(name, request)
        engine.close()


def _item(index: int, version: int) -> dict:
    """The benchmark item of bench/test_embedded.py (about 200 bytes)."""
    return {"pk": {"S": f"user-{index}"}, "name": {"S": "Ada Lovelace"},
            "version": {"N": str(version)}, "age": {"N": str(20 + index % 50)},
            "active": {"BOOL": True}, "bio": {"S": "x" * 150}}


def count(tree: Path, operation: str, calls: int, backend: str) -> int:
    """Instructions the child executes, from callgrind's summary line."""
    # this file runs the child whatever the tree; the tree provides dynalite_py
    # a fixed hash seed: dict and set layouts, hence the counts, repeat run to run
    env = {**os.environ, "PYTHONPATH": str(tree), "DYNALITE_MAP_SIZE": str(MAP_SIZE),
           "PYTHONHASHSEED": "0"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, __file__, "--child", operation, str(calls), backend]
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    for line in result.stderr.splitlines():
        if "Collected :" in line:
            if result.returncode != 0:
                break
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(f"valgrind run failed for {operation} in {tree}:\n{result.stderr[-2000:]}")


def per_call(tree: Path, operation: str, calls: int, backend: str) -> float:
    fewer = calls // 5
    return ((count(tree, operation, calls, backend) - count(tree, operation, fewer, backend))
            / (calls - fewer))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("operations", nargs="*", metavar="OPERATION",
                        help=f"any of {', '.join(OPERATIONS)} (default: all)")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--against", type=Path, help="a second source tree to compare with")
    parser.add_argument("--backend", choices=("lmdb", "memory"), default="lmdb")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return 0
    unknown = set(args.operations) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown operation(s): {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    print("instructions per call" + (f" (B: {trees[1]})" if args.against else ""))
    for operation in args.operations or OPERATIONS:
        counts = [per_call(tree, operation, args.calls, args.backend) for tree in trees]
        line = f"  {operation:18s} {counts[0]:>10,.0f}"
        if args.against:
            line += f"  B {counts[1]:>10,.0f}  B/A {counts[1] / counts[0]:.3f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
