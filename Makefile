# Two set-up commands do everything on a fresh machine: `make serve`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench bench-peers bench-instructions install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

install: $(STAMP)

# make serve PORT=8001 DATA=/tmp/other (DATA=:memory: keeps nothing);
# SERVE_ARGS adds options, e.g. SERVE_ARGS='--seed ./seed --log-format json'
PORT ?= 8000
DATA ?= ./data
serve: $(STAMP)
	$(BIN)/dynalite-py serve --host 127.0.0.1 --port $(PORT) --store $(DATA) $(SERVE_ARGS)

# the whole suite on each storage backend (tests marked lmdb_only skip on the
# others; any_store and packaging tests, which use no store, run once, with lmdb); the
# postgres run starts a throwaway PostgreSQL server, installing Debian's
# package first if needed (.ci/ensure-postgres): without one it fails in CI
# and is skipped, loudly, elsewhere
# JOBS: test processes per run (pytest-xdist; CI has 2 cores); JOBS=0 runs in one process
JOBS ?= 2
test: $(STAMP)
	$(BIN)/pytest --backend lmdb -n $(JOBS)
	$(BIN)/pytest --backend memory -m "not packaging" -n $(JOBS)
	@if .ci/ensure-postgres; then $(BIN)/pytest --backend postgres -m "not packaging" -n $(JOBS); \
	elif [ "$$CI" = true ]; then echo "PostgreSQL is missing and could not be installed" >&2; exit 1; \
	else echo "*** PostgreSQL is not installed (apt-get install postgresql): postgres run SKIPPED" >&2; fi

bench: $(STAMP)
	$(BIN)/pytest bench --benchmark-only -p no:cacheprovider

# dynalite-py against DynamoDB Local, dynalite (Node) and moto, same load, same run;
# installs the pinned peers into .peers/ on first use (see bench/peers/README.md);
# options go in PEERS_ARGS, e.g. make bench-peers PEERS_ARGS='--rounds 1 --seconds 5'.
bench-peers: $(STAMP)
	$(BIN)/python -m bench.peers --markdown .peers/last-run.md --json .peers/last-run.json $(PEERS_ARGS)

# instructions per embedded call under valgrind (repeatable whatever the host's
# speed); A/B: make bench-instructions INSTRUCTIONS_ARGS='--against ../other-tree'
bench-instructions: $(STAMP)
	$(BIN)/python -m bench.instructions $(INSTRUCTIONS_ARGS)
