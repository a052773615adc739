"""`dynalite-py serve`: run the HTTP endpoint over a data directory (or, with
--in-memory, over the memory backend; with --store postgresql://..., over a
PostgreSQL database that other servers may share).

Every option has a DYNALITE_* environment-variable equivalent.
"""
from __future__ import annotations

import argparse
import errno
import os
import resource
import signal
import socket
import sys

import uvicorn

from dynalite_py import __version__
from dynalite_py.config import Config
from dynalite_py.engine import Engine
from dynalite_py.lambda_.bridge.triggers import parse_trigger
from dynalite_py.storage import MEMORY, StoreUnavailable, is_postgres_url, without_password

from . import dataio, logs
from .app import create_app
from .banner import Facts, announce
from .fastlane import HeldWrites, fast_lane_protocol
from .metrics import remove_shared, share_between_workers
from .seed import SeedError, seed
from .transport import Policy, is_loopback
from .workers import (
    Secondaries,
    default_workers,
    die_with,
    listen_for_wakes,
    listener,
    share_environments,
    shared_listener,
    take_environments_key,
    wake_primary,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="dynalite-py")
    parser.add_argument("--version", action="version", version=f"dynalite-py {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    dataio.add_commands(commands, env)
    serve = commands.add_parser("serve", help="serve the DynamoDB wire protocol over HTTP")
    serve.add_argument("--host", default=env("DYNALITE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(env("DYNALITE_PORT", "8000")))
    serve.add_argument("--data-dir", default=env("DYNALITE_DATA_DIR", "./data"),
                       help="LMDB data directory (created if missing)")
    serve.add_argument("--in-memory", action="store_true",
                       default=_flag(env("DYNALITE_IN_MEMORY")),
                       help="keep everything in this process's memory (nothing is written "
                            "to disk or kept after exit); one server process")
    serve.add_argument("--store", default=env("DYNALITE_STORE"),
                       help="where the data lives, in place of --data-dir: a directory, "
                            ":memory:, or postgresql://user:password@host:port/database "
                            "(shared by every server started on it)")
    serve.add_argument("--read-replica", action="append", default=[], metavar="URL",
                       help="a PostgreSQL streaming replica of --store serving eventually "
                            "consistent reads (repeatable; DYNALITE_READ_REPLICAS: "
                            "comma-separated); skipped while down or more than "
                            "DYNALITE_REPLICA_MAX_LAG seconds (default 5) behind")
    serve.add_argument("--s3-endpoint", default=None, metavar="URL",
                       help="the S3-protocol endpoint exports write to, and imports and bulk "
                            "puts read from (DYNALITE_S3_ENDPOINT; default AWS's S3 for "
                            "--region)")
    serve.add_argument("--kinesis-endpoint", default=None, metavar="URL",
                       help="the Kinesis-protocol endpoint Kinesis streaming destinations "
                            "are delivered to (DYNALITE_KINESIS_ENDPOINT; default AWS's "
                            "Kinesis for --region)")
    serve.add_argument("--durability", choices=("process", "fsync"), default=None,
                       help="process: safe against a killed process (default); "
                            "fsync: safe against power loss")
    serve.add_argument("--table-status-delay", type=float, default=None,
                       help="seconds a table stays CREATING/UPDATING/DELETING")
    serve.add_argument("--throttling", action="store_true", default=None,
                       help="enforce provisioned throughput with token buckets")
    serve.add_argument("--consistency-lag", type=float, default=None,
                       help="seconds an eventually consistent read may lag behind writes")
    serve.add_argument("--replication-lag", type=float, default=None,
                       help="seconds before a global table's change reaches its other replicas")
    serve.add_argument("--auth", default=env("DYNALITE_AUTH"),
                       help="verify SigV4 signatures against this AWS credentials file")
    serve.add_argument("--admin", action="store_true", default=_flag(env("DYNALITE_ADMIN")),
                       help="serve the web admin page at /_admin under --auth too (a browser "
                            "cannot sign: anyone who reaches the port may then use it); "
                            "without --auth it is always served")
    serve.add_argument("--allow-host", action="append", default=_listed(env("DYNALITE_ALLOW_HOST")),
                       metavar="NAME", help="a Host name served besides loopback names "
                       "(repeatable; '*' serves any, which allows DNS rebinding)")
    serve.add_argument("--cors-origin", action="append",
                       default=_listed(env("DYNALITE_CORS_ORIGIN")), metavar="ORIGIN",
                       help="a browser origin allowed to call the Lambda and /_dynalite routes "
                            "(repeatable; DynamoDB's own path answers CORS as AWS does)")
    serve.add_argument("--no-functions", action="store_true",
                       default=_flag(env("DYNALITE_NO_FUNCTIONS")),
                       help="refuse the Lambda API (needed to bind a non-loopback address "
                            "without --auth: CreateFunction runs the code it is sent)")
    serve.add_argument("--trigger", action="append", default=[], metavar="TABLE=module.function",
                       help="run a handler on every change of TABLE (repeatable); modules "
                            "are imported from --code-dir")
    serve.add_argument("--code-dir", default=env("DYNALITE_CODE_DIR", "."),
                       help="where --trigger handler modules live (default: current directory)")
    serve.add_argument("--max-connections", type=int,
                       default=int(env("DYNALITE_MAX_CONNECTIONS", "1024")),
                       help="connections each worker process keeps; at the cap a new one "
                            "closes the quietest connection not being answered, and gets 503 "
                            "at once only when every one holds a request")
    serve.add_argument("--read-timeout", type=float,
                       default=float(env("DYNALITE_READ_TIMEOUT", "10")),
                       help="seconds a request head may take to arrive, and a body may pause "
                            "(slow or stalled clients are closed)")
    serve.add_argument("--workers", type=int, default=_int_or_none(env("DYNALITE_WORKERS")),
                       help="server processes sharing the port and the data directory "
                            "(default: one per core, at most 4; 1 with --throttling, whose "
                            "token buckets are per process)")
    # set by the primary on the secondaries it starts (server/workers.py)
    serve.add_argument("--secondary", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument("--wake-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--woken-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--primary-pid", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--environments", help=argparse.SUPPRESS)
    serve.add_argument("--region", default=None)
    serve.add_argument("--shared-namespace", action="store_true", default=None,
                       help="one namespace for every request, whatever its credentials' "
                            "account and region (DynamoDB Local's -sharedDb; "
                            "DYNALITE_SHARED_NAMESPACE)")
    serve.add_argument("--log-level", default=env("DYNALITE_LOG_LEVEL", "info"),
                       help="info (default) logs notable events (tables created and "
                            "deleted, index backfills, TTL passes, handler failures); "
                            "debug adds one line per request")
    serve.add_argument("--log-format", choices=logs.LOG_FORMATS,
                       default=env("DYNALITE_LOG_FORMAT", "text"),
                       help="json: one JSON object a line, with a line per request (request "
                            "id, operation, table, status, latency)")
    serve.add_argument("--seed", default=env("DYNALITE_SEED"), metavar="DIR",
                       help="create the tables DIR defines (CreateTable JSON, CloudFormation, "
                            "NoSQL Workbench) and load their items at start")
    args = parser.parse_args(argv)
    if args.command != "serve":
        return args
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.throttling and (args.workers or 1) > 1:
        parser.error("--throttling needs --workers 1: token buckets are per process")
    if args.store == MEMORY:
        args.in_memory, args.store = True, None
    if not is_loopback(args.host) and not args.auth and not args.no_functions:
        parser.error(f"refusing to serve the Lambda API on {args.host} without --auth: anyone "
                     "who reaches the port could run code here. Pass --auth FILE, bind a "
                     "loopback address (--host 127.0.0.1), or pass --no-functions")
    if args.in_memory and (args.workers or 1) > 1:
        parser.error("--in-memory serves from one process (the data lives in its memory): "
                     "use --workers 1")
    return args


def store_location(args: argparse.Namespace) -> str:
    """The store `--store`, `--in-memory` or `--data-dir` names."""
    if args.in_memory:
        return MEMORY
    return args.store or args.data_dir


def describe_store(args: argparse.Namespace, config: Config) -> str:
    """The store, as `serve` announces it (URLs without their passwords)."""
    location = store_location(args)
    if location == MEMORY:
        return "memory"
    if is_postgres_url(location):
        replicas = "".join(f", eventually consistent reads from {without_password(url)}"
                           for url in config.read_replicas)
        return f"PostgreSQL {without_password(location)}{replicas}"
    return f"the LMDB directory {os.path.abspath(location)}"


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


def _listed(text: str | None) -> list[str]:
    """A comma-separated environment variable as a list."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _flag(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("1", "true", "yes", "on")


def transport_policy(args: argparse.Namespace) -> Policy:
    """The transport rules the options ask for; a specific address the
    server binds is a Host name it serves."""
    hosts = {name.lower() for name in args.allow_host}
    if args.host not in ("0.0.0.0", "::", ""):
        hosts.add(args.host.strip("[]").lower())
    return Policy(allowed_hosts=frozenset(hosts), cors_origins=frozenset(args.cors_origin),
                  functions_enabled=not args.no_functions)


def endpoint_url(host: str, port: int) -> str:
    """This server's URL as a function on this machine reaches it."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def raise_open_file_limit() -> None:
    """Every connection is a file descriptor: allow as many as the system
    lets this process have, so the connection cap, not EMFILE, decides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def uvicorn_log_level(level: str) -> str:
    """uvicorn's own lines only from warnings up, unless debugging."""
    return "debug" if level.lower() == "debug" else "warning"


def exit_on_stop_signals() -> None:
    """Once uvicorn has shut down it raises the signal that stopped it again,
    under the handlers it found: exit through the `finally` blocks then, so the
    secondaries are stopped and the engine closed, instead of dying at once."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))


def bind_or_exit(host: str, port: int, shared: bool) -> socket.socket:
    """The listening socket (shared: for worker processes too), or one line
    and exit code 1 when the address is taken or not ours."""
    try:
        return shared_listener(host, port) if shared else plain_listener(host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            sys.exit(f"dynalite-py: port {port} on {host} is already in use (another server? "
                     "pass --port, or stop the other one)")
        sys.exit(f"dynalite-py: cannot listen on {host}:{port}: {error.strerror or error}")


def plain_listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


def persistent_directory(args: argparse.Namespace) -> str | None:
    """The data directory the banner tells how to reset, if the data is kept in one."""
    location = store_location(args)
    return None if location == MEMORY or is_postgres_url(location) else os.path.abspath(location)


def seed_or_exit(engine: Engine, directory: str) -> None:
    try:
        seed(engine.call, directory)
    except SeedError as error:
        engine.close()
        sys.exit(f"dynalite-py: {error}")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.command in dataio.COMMANDS:
        sys.exit(dataio.run(args))
    exit_on_stop_signals()
    logs.configure(args.log_level, args.log_format)
    config = Config.from_env(durability=args.durability, region=args.region,
                             table_status_delay=args.table_status_delay,
                             throttling=args.throttling, consistency_lag=args.consistency_lag,
                             replication_lag=args.replication_lag,
                             endpoint_url=endpoint_url(args.host, args.port),
                             read_replicas=tuple(args.read_replica) or None,
                             s3_endpoint=args.s3_endpoint,
                             shared_namespace=args.shared_namespace,
                             kinesis_endpoint=args.kinesis_endpoint)
    if args.auth:  # the credentials file may name each key's account
        from .auth import load_accounts
        config.accounts = {**config.accounts, **load_accounts(args.auth)}
    if args.secondary:
        die_with(args.primary_pid)
        environments_key = take_environments_key()
    one_process = args.secondary or config.throttling or args.in_memory
    workers = 1 if one_process else args.workers or default_workers()
    sock = None if args.secondary else bind_or_exit(args.host, args.port, workers > 1)
    if sock is not None:  # the port taken, should --port be 0
        config.endpoint_url = endpoint_url(args.host, sock.getsockname()[1])
    # before the engine makes its metrics: every worker's numbers in one scrape
    shared_metrics = share_between_workers() if workers > 1 else None
    # every worker runs the background jobs, each under a lease in the store
    try:
        engine = Engine(store_location(args), config)
    except StoreUnavailable as error:
        sys.exit(f"dynalite-py: {error}")
    if args.seed and not args.secondary:
        seed_or_exit(engine, args.seed)
    code_dir = os.path.abspath(args.code_dir)
    for text in args.trigger:
        engine.add_trigger(parse_trigger(text, code_dir))
    if not args.secondary:
        announce(Facts(config.endpoint_url, describe_store(args, config),
                       persistent_directory(args), args.auth, workers, not args.no_functions,
                       config.region),
                 args.log_format)
    if args.secondary:
        engine.store.after_stream_commit.append(wake_primary(args.wake_fd))
        listen_for_wakes(args.woken_fd, engine.bridge.notify)
        if args.environments and environments_key:
            engine.functions.use_environments_of(args.environments, environments_key)
    secondaries = None
    raise_open_file_limit()
    try:
        verifier = None
        if args.auth:
            from .auth import Verifier, load_credentials  # botocore's signer: only with --auth
            verifier = Verifier(load_credentials(args.auth), region=config.region,
                                any_region=not config.shared_namespace)
        policy = transport_policy(args)
        held = HeldWrites(engine)
        # signed requests take the ASGI path, where the verifier sees them whole
        protocol = fast_lane_protocol(engine, policy, held, args.max_connections,
                                      args.read_timeout, inline=verifier is None)
        # uvicorn logs through our handler (log_config=None), its start-up chatter left out
        server = uvicorn.Server(uvicorn.Config(
            create_app(engine, verifier, held.release, policy,
                       admin=args.admin or verifier is None), host=args.host,
            port=args.port, log_level=uvicorn_log_level(args.log_level), log_config=None,
            access_log=False, http=protocol))
        if args.secondary:
            sock = listener(args.host, args.port)
        elif workers > 1:
            where, env = share_environments(engine)
            secondaries = Secondaries(argv + ["--port", str(sock.getsockname()[1]), *where],
                                      workers - 1, env)
            secondaries.start(engine.bridge.notify)
            engine.store.after_stream_commit.append(secondaries.wake_all)
        server.run(sockets=[sock])
    finally:
        if secondaries is not None:
            secondaries.stop()
        engine.close()
        remove_shared(shared_metrics)


if __name__ == "__main__":
    main()
