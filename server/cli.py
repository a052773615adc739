"""`dynalite-py serve`: run the HTTP endpoint over a data directory.

Every option has a DYNALITE_* environment-variable equivalent.
"""
from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from dynalite_py.config import Config
from dynalite_py.engine import Engine
from dynalite_py.triggers import parse_trigger

from .app import create_app
from .auth import Verifier, load_credentials


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="dynalite-py")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the DynamoDB wire protocol over HTTP")
    serve.add_argument("--host", default=env("DYNALITE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(env("DYNALITE_PORT", "8000")))
    serve.add_argument("--data-dir", default=env("DYNALITE_DATA_DIR", "./data"),
                       help="LMDB data directory (created if missing)")
    serve.add_argument("--durability", choices=("process", "fsync"), default=None,
                       help="process: safe against a killed process (default); "
                            "fsync: safe against power loss")
    serve.add_argument("--table-status-delay", type=float, default=None,
                       help="seconds a table stays CREATING/UPDATING/DELETING")
    serve.add_argument("--throttling", action="store_true", default=None,
                       help="enforce provisioned throughput with token buckets")
    serve.add_argument("--consistency-lag", type=float, default=None,
                       help="seconds an eventually consistent read may lag behind writes")
    serve.add_argument("--auth", default=env("DYNALITE_AUTH"),
                       help="verify SigV4 signatures against this AWS credentials file")
    serve.add_argument("--trigger", action="append", default=[], metavar="TABLE=module.function",
                       help="run a handler on every change of TABLE (repeatable); modules "
                            "are imported from --code-dir")
    serve.add_argument("--code-dir", default=env("DYNALITE_CODE_DIR", "."),
                       help="where --trigger handler modules live (default: current directory)")
    serve.add_argument("--max-connections", type=int,
                       default=int(env("DYNALITE_MAX_CONNECTIONS", "1024")),
                       help="concurrent connections and requests served; beyond it the "
                            "server answers 503 at once instead of queueing without bound")
    serve.add_argument("--region", default=None)
    serve.add_argument("--log-level", default=env("DYNALITE_LOG_LEVEL", "warning"),
                       help="debug logs one line per request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    config = Config.from_env(durability=args.durability, region=args.region,
                             table_status_delay=args.table_status_delay,
                             throttling=args.throttling, consistency_lag=args.consistency_lag)
    engine = Engine(args.data_dir, config)
    code_dir = os.path.abspath(args.code_dir)
    engine.triggers.extend(parse_trigger(text, code_dir) for text in args.trigger)
    try:
        verifier = Verifier(load_credentials(args.auth)) if args.auth else None
        uvicorn.run(create_app(engine, verifier), host=args.host, port=args.port,
                    log_level=args.log_level, access_log=False,
                    limit_concurrency=args.max_connections)
    finally:
        engine.close()


if __name__ == "__main__":
    main()
