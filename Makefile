# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-cluster install lint clean

# Pick the first interpreter that is Python >= 3.12 (Django 6.1 needs it).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 is required (Django 6.1); none found on PATH." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

# Installs, migrates, seeds the demo organisation and starts web + Celery worker/beat.
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@bash bin/run-dev $(HOST) $(PORT)

# Installs and runs the whole suite, on both cores (PYTEST_ARGS= to change). Without
# DATABASE_URL/REDIS_URL it runs on SQLite and skips the tests that need a real service (pytest prints why).
# The cluster test is left to `make test-cluster`: it takes minutes and needs root and more tools.
PYTEST_ARGS ?= -n 2
test: install
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not cluster" $(PYTEST_ARGS)

# Starts a whole cluster (PostgreSQL primary + replica, pgbouncer, haproxy, three web nodes, two workers,
# two beats, Redis) on this machine and kills parts of it under load (tests/cluster/). Needs root and
# Debian's postgresql, pgbouncer, haproxy and redis-server; it skips, saying which, without them.
test-cluster: install
	$(PY) -m pytest -m cluster tests/cluster -n 0 -s

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) var
