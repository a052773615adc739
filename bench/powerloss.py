"""Power loss in `--durability fsync`, simulated: every acknowledged write
survives a power cut; what was never synced may be lost.

    python -m bench.powerloss [--trials 20] [--seed N] [--workers 1]

A power cut loses what the disk had not made durable, which a SIGKILL never
does (the page cache survives it). To simulate one, the server runs under an
LD_PRELOAD shim (powerloss_shim.c, compiled here with the machine's C
compiler) that models the disk for the LMDB data file: each write is kept
pending in a journal and copied into a "durable image" only when fsync or
fdatasync returns, or at once for a descriptor opened with O_DSYNC (LMDB
writes its meta pages that way when metasync is on).

Each trial runs the crash workload of bench/crash.py (conditional versioned
updates, deletes, TransactWriteItems transfers, a GSI, a stream, a trigger)
against `serve --durability fsync`, kills the server with SIGKILL after
0.3-1.5 s (at a random moment, or right after the next acknowledgement: the
moment a lost commit would show), and builds the data directory a power cut
would leave: the
durable image plus, sector by sector (512 bytes, the unit a disk writes
whole), the pending writes that happened to reach the disk: none of them,
each with probability 1/2 (torn writes, in any order), or all of them. A
server started on that directory must then pass bench/crash.py's checks
(every acknowledged write present, transfers all-or-nothing, GSI equal to
the items, stream complete per key, the trigger resumed from its checkpoint
receives every record), ItemCount must equal the items, and every entry of
every LMDB database must read back. When every pending write landed, the
rebuilt file must equal the one the killed server left: the shim saw every
write. With --workers N every server process runs under the shim, sharing
one journal as they share the page cache.

A control runs the same model with `--durability process`, where nothing is
ever synced: a cut that lands none of the pending writes loses acknowledged
writes, one that lands all of them (what a SIGKILL leaves) keeps them, so
the harness does see loss when there is loss.

tests/test_power_loss.py runs a bounded sample in CI; docs/reliability.md
has the figures of the 20-trial run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support import http_client, secondaries_of, start_server  # noqa: E402

import dynalite_py  # noqa: E402
from bench.crash import (  # noqa: E402
    TABLE,
    TRIGGER_ENV,
    Ledger,
    create_table,
    restart_and_check,
    scan_items,
    trigger_setup,
    write_until_killed,
)

SHIM_SOURCE = Path(__file__).with_name("powerloss_shim.c")
SECTOR = 512
# probability that one pending sector reached the disk before the cut
LANDINGS = {"nothing": 0.0, "random sectors": 0.5, "everything": 1.0}
JOURNAL_END = struct.Struct("<Q")  # the journal starts with the end of its records
RECORD = struct.Struct("<IIQQ")  # struct record_header in the shim
RECORD_MAGIC = 0x314A4C50
PENDING, WRITTEN = 1, 2  # enum record_state (DURABLE = 3: already in the image)
WALK = """
import sys, lmdb
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=64)
entries = 0
with env.begin(buffers=True) as txn:
    names = [bytes(key) for key, _ in txn.cursor()]  # the main database lists the named ones
    for name in names:
        for key, value in txn.cursor(db=env.open_db(name, txn=txn, create=False)):
            entries += 1
print(entries)
"""


@dataclass
class PendingWrite:
    """A write to the data file that no sync had covered when the power went."""
    offset: int
    data: bytes
    in_progress: bool  # the kill came during the real write: the file may hold part of it


def compiler() -> str | None:
    return shutil.which("gcc") or shutil.which("cc")


def build_shim(directory: Path) -> Path:
    """Compile the shim into directory; returns the shared library."""
    cc = compiler()
    if cc is None:
        raise RuntimeError("no C compiler (gcc or cc): the power-loss shim cannot be built")
    library = directory / "powerloss_shim.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-Wall", "-o", str(library),
                    str(SHIM_SOURCE), "-ldl"], check=True)
    return library


def shim_env(shim: Path, data_dir: Path, model_dir: Path) -> dict[str, str]:
    """Environment that runs a process under the shim, modelling data_dir's data file."""
    return {"LD_PRELOAD": str(shim), "POWERLOSS_TARGET": str(data_dir / "data.mdb"),
            "POWERLOSS_DIR": str(model_dir)}


def read_journal(model_dir: Path) -> list[PendingWrite]:
    """The writes no sync had covered, in the order they were made."""
    path = model_dir / "journal"
    raw = path.read_bytes() if path.exists() else b""
    if len(raw) < JOURNAL_END.size:
        return []
    writes, at = [], JOURNAL_END.size
    records_end = max(at, JOURNAL_END.unpack_from(raw)[0])
    while at < records_end:
        magic, state, offset, length = RECORD.unpack_from(raw, at)
        end = at + RECORD.size + length
        assert magic == RECORD_MAGIC and end <= records_end, f"journal damaged at {at}"
        if state in (PENDING, WRITTEN):
            writes.append(PendingWrite(offset, raw[at + RECORD.size:end], state == PENDING))
        at = end
    return writes


def writer_pids(model_dir: Path) -> list[int]:
    """The processes that wrote the data file under the shim."""
    return [int(path.name.split(".")[1]) for path in model_dir.glob("writer.*")]


def wait_until_gone(pids: list[int], seconds: float = 10.0) -> None:
    """Wait for every modelled process to be dead (secondaries die after the primary)."""
    deadline = time.monotonic() + seconds
    for pid in pids:
        while _alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"process {pid} outlived the power cut")
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def wait_until_listening(primary: int, workers: int, port: int, seconds: float = 20.0) -> None:
    """Wait for the primary's secondaries to listen on the port: the kernel
    spreads connections only over listening workers, and the writers connect
    at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        secondaries = secondaries_of(primary)
        if len(secondaries) == workers - 1 and all(_listens(pid, port) for pid in secondaries):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{workers - 1} secondaries did not start listening")


def _listens(pid: int, port: int) -> bool:
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                sockets.add(f"socket:[{fields[9]}]")
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") in sockets
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # it exited, or closed the descriptor meanwhile
        return False


def sectors(write: PendingWrite) -> Iterator[tuple[int, bytes]]:
    """The write split at the file's sector boundaries."""
    position, data = write.offset, write.data
    while data:
        size = min(len(data), SECTOR - position % SECTOR)
        yield position, data[:size]
        position, data = position + size, data[size:]


def cut_power(model_dir: Path, target_dir: Path, landing: float, rng: random.Random) -> dict:
    """Write into target_dir the data file the disk holds after a power cut:
    the durable image, plus each pending sector with probability `landing`."""
    unsupported = model_dir / "UNSUPPORTED"
    if unsupported.exists():
        raise RuntimeError(f"the shim could not model the run: {unsupported.read_text()}")
    image_path = model_dir / "durable.img"
    image = bytearray(image_path.read_bytes() if image_path.exists() else b"")
    pending = read_journal(model_dir)
    landed = lost = 0
    for write in pending:
        for offset, chunk in sectors(write):
            if rng.random() < landing:
                image.extend(bytes(max(0, offset - len(image))))
                image[offset:offset + len(chunk)] = chunk
                landed += 1
            else:
                lost += 1
    target_dir.mkdir(parents=True)
    if image:  # nothing durable yet: the directory is as empty as the disk
        (target_dir / "data.mdb").write_bytes(image)
    return {"writing processes": len(writer_pids(model_dir)), "pending writes": len(pending),
            "sectors landed": landed, "sectors lost": lost}


def assert_model_complete(live_dir: Path, cut_dir: Path, model_dir: Path) -> None:
    """With every pending write landed, the model must rebuild the data file
    the killed server left byte for byte (but for a write the kill cut short):
    the shim saw every write."""
    live = bytearray((live_dir / "data.mdb").read_bytes())
    rebuilt = bytearray((cut_dir / "data.mdb").read_bytes())
    for write in read_journal(model_dir):
        if write.in_progress:  # mask what it may or may not have written
            end = write.offset + len(write.data)
            for data in (live, rebuilt):
                data.extend(bytes(max(0, end - len(data))))
                data[write.offset:end] = bytes(len(write.data))
    assert rebuilt == live, "the shim missed writes to the data file"


def walk_every_entry(data_dir: Path) -> int:
    """Read every entry of every LMDB database (in a child: a damaged page
    could crash the reader); returns how many there are."""
    done = subprocess.run([sys.executable, "-c", WALK, str(data_dir)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"LMDB walk failed: {done.stderr[-2000:]}"
    return int(done.stdout)


def consistency(url: str, ledger: Ledger) -> dict:
    """ItemCount must match the items (both change in one transaction); count
    what became of the writes in flight at the cut."""
    client = http_client(url)
    items = scan_items(client)
    count = client.describe_table(TableName=TABLE)["Table"]["ItemCount"]
    assert count == len(items), f"ItemCount {count}, items {len(items)}"
    landed = lost = 0
    for key, attempt in ledger.attempted.items():
        acknowledged = ledger.acknowledged.get(key)
        before = None if acknowledged is None or acknowledged[1] else acknowledged[0]
        after = None if attempt[1] else attempt[0]
        if acknowledged == attempt or before == after:
            continue  # not in flight, or its outcome cannot be told apart
        stored = int(items[key]["v"]["N"]) if key in items else None
        landed += stored == after
        lost += stored == before
    return {"in-flight writes landed": landed, "in-flight writes lost": lost}


def trial(workdir: Path, rng: random.Random, shim: Path, workers: int = 1,
          landing: str | None = None, kill_on_ack: bool | None = None) -> dict:
    """One power cut during the crash workload in fsync mode; returns counts.
    landing (a LANDINGS key) and kill_on_ack are drawn from rng unless given."""
    trigger_args, seen_file = trigger_setup(workdir)
    data, model, after = workdir / "data", workdir / "model", workdir / "after"
    model.mkdir(parents=True)
    env = {**TRIGGER_ENV, **shim_env(shim, data, model)}
    process, url = start_server(str(data), "--durability", "fsync", "--workers", str(workers),
                                *trigger_args, env=env)
    if workers > 1:
        try:
            wait_until_listening(process.pid, workers, int(url.rsplit(":", 1)[1]))
        except RuntimeError:
            process.kill()
            raise
    if kill_on_ack is None:  # right after an acknowledgement, or at any moment
        kill_on_ack = rng.random() < 0.5
    ledger = write_until_killed(process, url, rng, kill_on_ack)
    wait_until_gone(writer_pids(model))
    landing = landing or rng.choice(list(LANDINGS))
    cut = cut_power(model, after, LANDINGS[landing], rng)
    if landing == "everything":
        assert_model_complete(data, after, model)
    entries = walk_every_entry(after)
    result = restart_and_check(after, trigger_args, ledger, seen_file,
                               extra_checks=lambda url: consistency(url, ledger))
    return {"landing": landing, "killed": "on ack" if kill_on_ack else "at random",
            **cut, "lmdb entries": entries, **result}


def unsynced_control(workdir: Path, shim: Path, writes: int = 30) -> dict:
    """`--durability process` under the same model: its acknowledged writes
    are lost by a cut that lands nothing, kept by one that lands everything."""
    data, model = workdir / "data", workdir / "model"
    model.mkdir(parents=True)
    process, url = start_server(str(data), "--durability", "process", "--workers", "1",
                                env=shim_env(shim, data, model))
    try:
        client = http_client(url)
        create_table(client)
        for index in range(writes):
            client.put_item(TableName=TABLE, Item={"pk": {"S": f"u{index}"}})
    finally:
        process.kill()
        process.wait()
    wait_until_gone(writer_pids(model))
    kept = {}
    for landing in ("nothing", "everything"):
        after = workdir / f"after-{landing}"
        cut_power(model, after, LANDINGS[landing], random.Random(0))
        if landing == "everything":
            assert_model_complete(data, after, model)
        kept[f"kept, {landing} landed"] = count_present(after, [f"u{i}" for i in range(writes)])
    return {"acknowledged": writes, **kept}


def count_present(data_dir: Path, keys: list[str]) -> int:
    with dynalite_py.open(str(data_dir)) as db:
        if TABLE not in db.call("ListTables", {})["TableNames"]:
            return 0
        return sum(1 for key in keys if "Item" in db.call(
            "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": key}}, "ConsistentRead": True}))


def run(trials: int, seed: int, workers: int = 1) -> tuple[list[dict], dict]:
    """(one result per trial, the process-durability control)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="dynalite-powerloss-") as root:
        shim = build_shim(Path(root))
        results = [trial(Path(root) / str(number), rng, shim, workers) for number in range(trials)]
        control = unsynced_control(Path(root) / "control", shim)
    return results, control


def summary(results: list[dict]) -> str:
    def total(name: str) -> int:
        return sum(result[name] for result in results)
    landings = {name: sum(1 for r in results if r["landing"] == name) for name in LANDINGS}
    cut_mid_commit = sum(1 for result in results if result["pending writes"])
    return (f"{len(results)} trials passed ({', '.join(f'{n} {k}' for k, n in landings.items())}); "
            f"{total('writes acknowledged')} writes acknowledged, all present; "
            f"{total('stream records')} stream records; {cut_mid_commit} cuts with unsynced "
            f"writes ({total('pending writes')} writes, {total('sectors landed')} sectors landed, "
            f"{total('sectors lost')} lost); in-flight writes {total('in-flight writes landed')} "
            f"landed, {total('in-flight writes lost')} lost; "
            f"{total('trigger duplicates')} trigger redeliveries")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.powerloss", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (all run under the shim)")
    args = parser.parse_args()
    started = time.time()
    results, control = run(args.trials, args.seed, args.workers)
    for number, result in enumerate(results):
        print(number, result)
    print(summary(results) + f"; {time.time() - started:.0f} s")
    print("control, --durability process:", control)


if __name__ == "__main__":
    main()
